package blocks_test

import (
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
)

func checkLimits(bs []slack.Block, maxBlocks int) error { return blocks.Check(bs, maxBlocks) }

var now = time.Date(2026, 1, 14, 15, 30, 0, 0, time.UTC)

func day(back int) time.Time {
	return time.Date(2026, 1, 14, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -back)
}

func f(v float64) *float64 { return &v }

var jane = scoring.CSM{ID: 7, SlackUserID: "U0JANE", Email: "jane@example.com", Name: "Jane Doe"}

func acme() scoring.Account {
	return scoring.Account{
		ID: 42, ExternalID: "crm-42", Name: "Acme Corp", Domain: "acme.com", Segment: "Enterprise",
		OwnerID: jane.ID, Owner: jane, Plan: "Scale", MRR: 12400, Seats: 40, RenewalDate: day(-48),
	}
}

// weekly is n weekly points ending today, moving linearly from a to b.
func weekly(n int, a, b float64) []blocks.Point {
	pts := make([]blocks.Point, n)
	for i := range pts {
		v := a + (b-a)*float64(i)/float64(n-1)
		band := scoring.BandGreen
		if v < 70 {
			band = scoring.BandYellow
		}
		if v < 40 {
			band = scoring.BandRed
		}
		pts[i] = blocks.Point{AsOf: day(7 * (n - 1 - i)), Value: v, Band: band}
	}
	return pts
}

func fullCard() blocks.Card {
	return blocks.Card{
		Account: acme(),
		Score: scoring.Score{
			AccountID: 42, AsOf: day(0), Scorecard: "enterprise", Value: 34.4, Band: scoring.BandRed, Confidence: 0.85,
			Subscores: map[scoring.Family]float64{
				scoring.FamilyUsage: 22, scoring.FamilyEngagement: 41, scoring.FamilyPulse: 50, scoring.FamilyContract: 61.5,
			},
			Drivers: []scoring.Contribution{
				{Metric: "active_users", Family: scoring.FamilyUsage, Label: "Active users", Score: 12, Weight: 0.2, Contribution: -7.6,
					Detail: "12th percentile of Enterprise peers — 4 of 40 seats active"},
				{Metric: "admin_days", Family: scoring.FamilyUsage, Label: "Admin last seen", Score: 20, Weight: 0.1, Contribution: -3,
					AgeDays: 34, StalenessFactor: 0.5},
				{Metric: "tickets", Family: scoring.FamilyEngagement, Label: "Support tickets", Score: 30, Weight: 0.1, Contribution: -2},
				{Metric: "csat", Family: scoring.FamilyEngagement, Label: "CSAT <script>", Score: 40, Weight: 0.05, Contribution: -0.5,
					Detail: "4.1 of 5"},
				{Metric: "nps", Family: scoring.FamilyEngagement, Label: "NPS", Score: 80, Weight: 0.1, Contribution: 3,
					Detail: "NPS 40, 80th percentile"},
				{Metric: "contract_len", Family: scoring.FamilyContract, Label: "Contract length", Score: 65, Weight: 0.1, Contribution: 1.5,
					Detail: "3-year contract"},
			},
		},
		Delta7:  f(-8.2),
		Delta28: f(-15),
		History: weekly(20, 71, 34.4),
		LastPulse: &scoring.Pulse{
			AccountID: 42, CSMID: 7, CSMName: "Jane Doe", Rating: scoring.RatingConcerning,
			Reasons: []string{"champion_left", "budget cut"}, Note: "Champion left in December.\nNew VP <@U123> is *skeptical*.",
			Week: "2026-W02", AnsweredAt: day(9).Add(10 * time.Hour),
		},
		Alerts: []blocks.Alert{
			{Kind: "turned_red", Summary: "72 → 38 in 14 days: active users −9", State: "open", FiredAt: day(3)},
			{Kind: "admin_inactive", Summary: "no admin seen for 34 days", State: "snoozed", FiredAt: day(10), SnoozedUntil: day(-4)},
		},
		Now: now,
	}
}

func rows(n int) []blocks.Row {
	out := make([]blocks.Row, n)
	for i := range out {
		score := float64((i * 37) % 100)
		band := scoring.BandGreen
		switch {
		case score < 40:
			band = scoring.BandRed
		case score < 70:
			band = scoring.BandYellow
		}
		r := blocks.Row{
			ID: int64(i + 1), Name: fmt.Sprintf("Account %03d", i+1), Segment: []string{"Enterprise", "SMB", "Mid-Market"}[i%3],
			Owner: jane, Scored: i%11 != 10, Score: score, Band: band, Delta7: f(float64(i%7 - 3)), Delta28: f(float64(i%13 - 6)),
			MRR: float64(1000 + 250*i), RenewalDate: day(-(i * 5 % 200)),
			PulseWeek: []string{"2026-W03", "2026-W02", ""}[i%3], Pulse: []scoring.Rating{scoring.RatingHealthy, scoring.RatingPoor, ""}[i%3],
		}
		if !r.Scored {
			r.Delta7, r.Delta28, r.Band = nil, nil, ""
		}
		out[i] = r
	}
	return out
}
