package pulse

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
)

func TestParsePulseArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want []pulseArgs
	}{
		{"acme poor champion left", []pulseArgs{{account: "acme", rating: scoring.RatingPoor, reasons: []string{"champion_left"}}}},
		{"Acme Corp POOR budget_cut and low adoption, CFO change", []pulseArgs{{account: "Acme Corp", rating: scoring.RatingPoor,
			reasons: []string{"budget_cut", "low_adoption"}, note: "CFO change"}}},
		{"acme healthy happy sponsor — renewal signed", []pulseArgs{{account: "acme", rating: scoring.RatingHealthy,
			reasons: []string{"happy_sponsor"}, note: "renewal signed"}}},
		{"acme concerning and then some", []pulseArgs{{account: "acme", rating: scoring.RatingConcerning, note: "and then some"}}},
		{"acme poor champion", []pulseArgs{{account: "acme", rating: scoring.RatingPoor, note: "champion"}}},
		{"healthy pets poor support-issues", []pulseArgs{
			{account: "healthy pets", rating: scoring.RatingPoor, reasons: []string{"support_issues"}},
		}},
		{"pets healthy poor", []pulseArgs{
			{account: "pets", rating: scoring.RatingHealthy, note: "poor"},
			{account: "pets healthy", rating: scoring.RatingPoor},
		}},
		{"poor", nil},
		{"acme", nil},
		{"", nil},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, parsePulseArgs(tt.text), tt.text)
	}
}
