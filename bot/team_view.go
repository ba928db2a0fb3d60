package bot

import (
	"context"
	"time"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
)

// The team report is assembled in app (app.BuildTeamReport); what is left
// here is drawing it for Slack.
type (
	// TeamStore is app.TeamStore.
	TeamStore = app.TeamStore
	// CardsFunc is app.CardsFunc.
	CardsFunc = app.CardsFunc
)

// TeamReport is app.TeamReport with View, what the blocks draw of it.
type TeamReport struct{ app.TeamReport }

// BuildTeamReport is app.BuildTeamReport, ready to draw.
func BuildTeamReport(ctx context.Context, st TeamStore, now time.Time, week string, cards scoring.Scorecards) (TeamReport, error) {
	r, err := app.BuildTeamReport(ctx, st, now, week, cards)
	return TeamReport{r}, err
}

// cardsNow is app.CardsNow.
func cardsNow(ctx context.Context, cards CardsFunc) (scoring.Scorecards, error) {
	return app.CardsNow(ctx, cards)
}

// View is the report as the blocks draw it.
func (r TeamReport) View() blocks.TeamView {
	v := blocks.TeamView{Week: r.Week, Thresholds: r.Thresholds}
	honesty := map[int64]scoring.PulseHonestyReport{}
	for _, h := range r.Honesty {
		honesty[h.CSMID] = h
		if h.MostlyGreen {
			v.MostlyGreen = append(v.MostlyGreen, h)
		}
	}
	seen := map[int64]bool{}
	for _, g := range r.Completion {
		seen[g.CSM.ID] = true
		row := blocks.TeamRow{CSM: g.CSM, Answered: g.Answered, Total: g.Total}
		if h, ok := honesty[g.CSM.ID]; ok {
			row.Honesty = &h
		}
		if a, ok := r.Away[g.CSM.ID]; ok {
			row.AwayUntil = a.Until
			row.Cover = r.CSMs[a.CoverCSMID]
		}
		v.Rows = append(v.Rows, row)
	}
	for _, h := range r.Honesty { // CSMs with pulse history but no live account now
		if !seen[h.CSMID] {
			hh := h
			v.Rows = append(v.Rows, blocks.TeamRow{CSM: r.CSMs[h.CSMID], Honesty: &hh})
		}
	}
	for _, a := range r.Alerts {
		s := blocks.RuleStats{Kind: a.Kind, Fired: a.Fired, Acknowledged: a.Acknowledged, AckMedian: a.AckMedian,
			Snoozed: a.Snoozed, NotUseful: a.NotUseful, Reasons: a.Reasons}
		if (scoring.AlertRuleFeedback{Kind: a.Kind, Fired: a.Fired, NotUseful: a.NotUseful}).Noisy() {
			s.Tune = scoring.AlertThreshold(a.Kind, r.Rules)
		}
		v.Alerts = append(v.Alerts, s)
	}
	return v
}
