package alerts_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/alerts"
	"github.com/healthbot/healthbot/scoring"
)

func TestParseAlertRoutes(t *testing.T) {
	t.Parallel()
	r, err := alerts.ParseAlertRoutes("turned_red=both, expansion=DM,late_invoice=channel;usage_drop=off")
	require.NoError(t, err)
	require.Equal(t, alerts.RouteBoth, r.For(scoring.AlertTurnedRed))
	require.Equal(t, alerts.RouteDM, r.For(scoring.AlertExpansion))
	require.True(t, r.For(scoring.AlertLateInvoice).Channel())
	require.False(t, r.For(scoring.AlertLateInvoice).DM())
	require.Equal(t, alerts.RouteOff, r.For(scoring.AlertUsageDrop))
	require.Equal(t, alerts.RouteBoth, r.For(scoring.AlertTrendDrop), "rules not named go to both")

	empty, err := alerts.ParseAlertRoutes("")
	require.NoError(t, err)
	require.Equal(t, alerts.RouteBoth, empty.For(scoring.AlertPulsePoor))

	for in, want := range map[string]string{
		"turned_red":                        `"turned_red" is not rule=route`,
		"red=both":                          `unknown alert rule "red"`,
		"expansion=slack":                   `route "slack" is not both, channel, dm or off`,
		"expansion=dm,expansion=channel":    "routed twice",
		"turned_red=both,trend_drop=emails": `"trend_drop=emails"`,
	} {
		_, err := alerts.ParseAlertRoutes(in)
		require.ErrorContains(t, err, want, in)
	}
}
