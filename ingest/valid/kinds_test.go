package valid_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/scoring"
)

// Every signal the built-in catalog reads as it is gets its kind's range;
// a signal only read through a change (its unit describes the change) or
// of a plain score is known by name, or not at all.
func TestBuiltinKindsGiveEachCatalogSignalItsRange(t *testing.T) {
	t.Parallel()
	ks := valid.BuiltinKinds()
	for signal, want := range map[string]valid.Kind{
		"active_user_ratio":        valid.Ratio,
		"key_feature_adoption":     valid.Ratio,
		"negative_sentiment_share": valid.Ratio,
		"seats_used":               valid.Count,
		"support_tickets":          valid.Count,
		"customer_messages":        valid.Count,
		"late_invoices":            valid.Count,
		"mrr":                      valid.Amount,
		"first_response_minutes":   valid.Duration,
		"days_since_admin_seen":    valid.Days,
		"session_gap_days":         valid.Days,
		"days_to_renewal":          valid.Days,
		"nps":                      valid.NPS,
		"csat":                     valid.CSAT,
		"pulse":                    valid.Rating,
		"touchpoint":               valid.Count,
		"logins":                   valid.Signal, // not in the catalog: unknown kind
		"licence_change":           valid.Signal, // a metric key, not a signal
	} {
		require.Equal(t, want, ks.For(signal), signal)
	}
	require.Len(t, ks, scoring.DefaultCatalog().Len(), "every built-in metric's signal has a kind")

	for _, c := range []struct {
		metric string
		value  float64
		want   string
	}{
		{"active_user_ratio", 0.85, ""},
		{"active_user_ratio", 85, "must be between 0 and 1 for a ratio (active_user_ratio)"},
		{"support_tickets", -1, "must be between 0 and 1000000000000000 for a count (support_tickets)"},
		{"nps", -100, ""},
		{"nps", 150, "must be between -100 and 100 for an NPS (nps)"},
		{"csat", 4.5, ""},
		{"csat", 101, "must be between 0 and 100 for a CSAT score (csat)"},
		{"pulse", 1.5, "must be a whole number"},
		{"days_to_renewal", -30, ""},
		{"logins", -5, ""},
		{"logins", 1.7e308, "must be between -1000000000000000 and 1000000000000000"},
	} {
		got := ks.SignalValue(c.metric, c.value)
		if c.metric == "pulse" && c.want != "" {
			require.Contains(t, got, c.want, "%s = %g", c.metric, c.value)
			continue
		}
		require.Equal(t, c.want, got, "%s = %g", c.metric, c.value)
	}
}

// A scorecard's declared metrics bring their kinds: by unit when read as
// they are; a change metric's signal and a plain score stay unknown; two
// metrics reading one signal as different kinds widen it to both; a unit
// calibration guessed (direction learned) does not gate intake.
func TestDeclaredMetricsBringTheirKinds(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/declared.yaml")
	require.NoError(t, err)
	cards, err := scoring.ParseScorecards(data)
	require.NoError(t, err)
	ks := valid.KindsOf(cards.Catalog())
	require.Equal(t, valid.Count, ks.For("api_calls"))
	require.Equal(t, valid.Signal, ks.For("seats_billed"), "read through a change: unknown")
	require.Equal(t, valid.Signal, ks.For("health_index"), "a plain score has no scale of its own")
	uptime := ks.For("uptime_share")
	require.Equal(t, 0.0, uptime.Min)
	require.Equal(t, valid.MaxSignal, uptime.Max, "a ratio and a duration: both ranges")
	require.Equal(t, "a ratio or a duration", uptime.Name)
	require.Equal(t, valid.Ratio, ks.For("active_user_ratio"), "the built-ins stay")
	require.Contains(t, ks.SignalValue("api_calls", -3), "for a count (api_calls)")
	require.Equal(t, valid.Signal, ks.For("paid_share"),
		"calibration wrote its unit from the values seen so far: a guess must not refuse a later 1.2")
}
