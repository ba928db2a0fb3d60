package blocks_test

import (
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
)

func touches(n int) []blocks.Touchpoint {
	kinds := []string{"call", "meeting", "email", "qbr", "other", "alert"}
	out := make([]blocks.Touchpoint, n)
	for i := range out {
		out[i] = blocks.Touchpoint{Kind: kinds[i%len(kinds)], Note: "Called the CFO, renewal on track", By: "U1", At: day(i)}
	}
	return out
}

func TestCardWithTimelineGolden(t *testing.T) {
	t.Parallel()
	c := fullCard()
	c.Timeline = &blocks.Timeline{Recent: touches(3), More: 4}
	golden(t, "card_timeline", blocks.CardBlocks(c), 50)
	c.Timeline = &blocks.Timeline{}
	if got := mustJSON(t, blocks.CardBlocks(c)); !strings.Contains(got, "Nothing logged yet") {
		t.Errorf("an empty timeline says so: %s", got)
	}
}

func TestTimelineAndLogModalGoldens(t *testing.T) {
	t.Parallel()
	golden(t, "timeline", blocks.TimelineBlocks("Acme", touches(40), 3, 12), 50)
	m := blocks.LogModal(42, "Acme")
	if err := blocks.CheckModal(m); err != nil {
		t.Errorf("log modal: %v", err)
	}
	golden(t, "log_modal", m.Blocks.BlockSet, 100)
	n := blocks.NotUsefulModal(blocks.AlertMessage{ID: 9, Account: acme(), Kind: scoring.AlertTrendDrop})
	if err := blocks.CheckModal(n); err != nil {
		t.Errorf("not-useful modal: %v", err)
	}
}

func TestAlertSummaryAndTeamGoldens(t *testing.T) {
	t.Parallel()
	ms := make([]blocks.AlertMessage, 25)
	for i := range ms {
		ms[i] = blocks.AlertMessage{ID: int64(i + 1), Account: acme(), Kind: scoring.AlertTurnedRed, Summary: "48 → 35 in 14 days"}
	}
	s := blocks.AlertSummary{Alerts: ms, Budget: 8, Channel: "C_ALERTS"}
	golden(t, "alert_summary", blocks.AlertSummaryBlocks(s), 50)
	if got := blocks.AlertSummaryText(s); got != "25 more alerts today: Acme Corp · Turned red, Acme Corp · Turned red, Acme Corp · Turned red, …" {
		t.Errorf("summary text = %q", got)
	}
	h := scoring.PulseHonestyReport{CSMID: 3, CSMName: "Sofia Rossi", Answers: 120, Healthy: 0.97, Concerning: 0.03, Compared: 40,
		Disagree: 0.6, RedAccounts: 0.45, MostlyGreen: true}
	v := blocks.TeamView{Week: "2026-W48", Thresholds: scoring.HonestyThresholds{Healthy: 0.85, Red: 0.3}, MostlyGreen: []scoring.PulseHonestyReport{h},
		Rows: []blocks.TeamRow{
			{CSM: scoring.CSM{ID: 3, Name: "Sofia Rossi"}, Answered: 20, Total: 30, Honesty: &h},
			{CSM: scoring.CSM{ID: 2, Name: "Daniel Okafor"}, Total: 19, AwayUntil: time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC),
				Cover: scoring.CSM{ID: 1, Name: "Maya Chen"}},
		},
		Alerts: []blocks.RuleStats{{Kind: scoring.AlertTrendDrop, Fired: 4, Acknowledged: 1, AckMedian: 3 * time.Hour, NotUseful: 3,
			Reasons: []string{"seasonal"}, Tune: "alerts.trend_drop_points: 15 (within trend_drop_days: 14)"}},
	}
	golden(t, "team", blocks.TeamBlocks(v), 50)
	golden(t, "digest_week", blocks.DigestWeekBlocks(v), 50)
}

func TestPulsePageWithLaterGolden(t *testing.T) {
	t.Parallel()
	p := blocks.PulsePage{Week: "2026-W48", Later: true, Pages: 1, Now: day(0),
		Rows: []blocks.PulseRow{{AccountID: 1, Name: "Acme", Scored: true, Score: 35, Band: scoring.BandRed}}}
	golden(t, "pulse_later_button", blocks.PulseBlocks(p), 50)
	p.Later, p.Resent = false, true
	if got := blocks.PulseText(p); got != "Back as you asked: 1 account to rate for 2026-W48" {
		t.Errorf("resent text = %q", got)
	}
}
