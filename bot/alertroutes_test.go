package bot_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/scoring"
)

func TestParseAlertRoutes(t *testing.T) {
	t.Parallel()
	r, err := bot.ParseAlertRoutes("turned_red=both, expansion=DM,late_invoice=channel;usage_drop=off")
	require.NoError(t, err)
	require.Equal(t, bot.RouteBoth, r.For(scoring.AlertTurnedRed))
	require.Equal(t, bot.RouteDM, r.For(scoring.AlertExpansion))
	require.True(t, r.For(scoring.AlertLateInvoice).Channel())
	require.False(t, r.For(scoring.AlertLateInvoice).DM())
	require.Equal(t, bot.RouteOff, r.For(scoring.AlertUsageDrop))
	require.Equal(t, bot.RouteBoth, r.For(scoring.AlertTrendDrop), "rules not named go to both")

	empty, err := bot.ParseAlertRoutes("")
	require.NoError(t, err)
	require.Equal(t, bot.RouteBoth, empty.For(scoring.AlertPulsePoor))

	for in, want := range map[string]string{
		"turned_red":                        `"turned_red" is not rule=route`,
		"red=both":                          `unknown alert rule "red"`,
		"expansion=slack":                   `route "slack" is not both, channel, dm or off`,
		"expansion=dm,expansion=channel":    "routed twice",
		"turned_red=both,trend_drop=emails": `"trend_drop=emails"`,
	} {
		_, err := bot.ParseAlertRoutes(in)
		require.ErrorContains(t, err, want, in)
	}
}
