package app

import (
	"context"
	"math"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// AlertReads are the set-based reads of one alert run: one query each for
// the whole portfolio.
type AlertReads interface {
	Accounts(ctx context.Context) ([]scoring.Account, error)
	Features(ctx context.Context, asOf time.Time, metrics []scoring.Metric) (scoring.FeatureSet, error)
	ScoresAt(ctx context.Context, day time.Time) ([]scoring.Score, error)
	ScoresBetween(ctx context.Context, from, to time.Time) (map[int64][]scoring.Score, error)
	LatestPulses(ctx context.Context, since, at time.Time) (map[int64]scoring.Pulse, error)
	ModuleInterest(ctx context.Context, since, at time.Time) (map[int64][]string, error)
	AlertsForEvaluation(ctx context.Context, resolvedSince time.Time) (map[int64][]scoring.Alert, error)
	UnpostedAlerts(ctx context.Context, since time.Time) ([]store.AlertRecord, error)
}

var _ AlertReads = (*store.Store)(nil)

// AlertWorld is everything one alert run knows, read in a few set-based
// queries for the whole portfolio (GatherAlerts).
type AlertWorld struct {
	Day      time.Time // the scored day
	At       time.Time // ScoreTime(Day): the instant the scores describe
	Accounts []scoring.Account
	ByID     map[int64]scoring.Account
	Alive    int // accounts alive at At
	Today    map[int64]scoring.Score
	History  map[int64][]scoring.Score
	Features scoring.FeatureSet
	Pulses   map[int64]scoring.Pulse
	Interest map[int64][]string
	Alerts   map[int64][]scoring.Alert
	RedLine  map[string]float64 // scorecard name → red threshold
}

// Windows of the run's reads.
const (
	minAlertHistoryDays = 30  // scores before the day the rules may compare with
	interestDays        = 28  // module-interest signals that count
	pulseLookbackDays   = 365 // the newest pulse within this long, so an old Poor pulse still resolves its alert
)

// GatherAlerts reads what the alert rules of cards need to evaluate the
// portfolio as scored on day; now bounds the resolved alerts whose
// cooldown may still hold a rule back.
func GatherAlerts(ctx context.Context, st AlertReads, cards scoring.Scorecards, day, now time.Time) (*AlertWorld, error) {
	w := &AlertWorld{Day: day, At: ScoreTime(day)}
	var err error
	if w.Accounts, err = st.Accounts(ctx); err != nil {
		return nil, err
	}
	w.ByID = scoring.AccountsByID(w.Accounts)
	for _, acct := range w.Accounts {
		if acct.AliveAt(w.At) {
			w.Alive++
		}
	}
	today, err := st.ScoresAt(ctx, day)
	if err != nil {
		return nil, err
	}
	w.Today = scoring.ScoresByAccount(today)
	if w.History, err = st.ScoresBetween(ctx, day.AddDate(0, 0, -historyDays(cards)), day.AddDate(0, 0, -1)); err != nil {
		return nil, err
	}
	if w.Features, err = st.Features(ctx, w.At, scoring.AlertMetrics()); err != nil {
		return nil, err
	}
	if w.Pulses, err = st.LatestPulses(ctx, w.At.AddDate(0, 0, -pulseLookbackDays), w.At); err != nil {
		return nil, err
	}
	if w.Interest, err = st.ModuleInterest(ctx, w.At.AddDate(0, 0, -interestDays), w.At); err != nil {
		return nil, err
	}
	if w.Alerts, err = st.AlertsForEvaluation(ctx, now.Add(-maxCooldown(cards))); err != nil {
		return nil, err
	}
	w.RedLine = redLines(cards, today)
	return w, nil
}

// Input is one account's AlertInput.
func (w *AlertWorld) Input(acct scoring.Account, cards scoring.Scorecards, now time.Time) scoring.AlertInput {
	card := cards.For(acct)
	in := scoring.AlertInput{
		Now: now, Account: acct, Score: w.Today[acct.ID], History: w.History[acct.ID], Features: w.Features[acct.ID],
		ModuleInterest: w.Interest[acct.ID], Alerts: w.Alerts[acct.ID], RedBelow: w.RedLine[card.Name], Rules: rulesOf(card),
	}
	if p, ok := w.Pulses[acct.ID]; ok {
		in.LatestPulse = &p
	}
	return in
}

// Current is the account's score of the day, else its newest earlier one.
func (w *AlertWorld) Current(id int64) scoring.Score {
	if s, ok := w.Today[id]; ok {
		return s
	}
	if h := w.History[id]; len(h) > 0 {
		return h[len(h)-1]
	}
	return scoring.Score{}
}

// OwnedAlive counts the owner's accounts alive on the run's day.
func (w *AlertWorld) OwnedAlive(ownerID int64) int {
	n := 0
	for _, acct := range w.Accounts {
		if acct.Owner.ID == ownerID && acct.AliveAt(w.At) {
			n++
		}
	}
	return n
}

// rulesOf is a scorecard's alert thresholds, the defaults if it has none.
func rulesOf(c scoring.Scorecard) scoring.AlertRules {
	if c.Alerts.TrendDropDays == 0 {
		return scoring.DefaultAlertRules()
	}
	return c.Alerts
}

// historyDays covers the longest trend window of any scorecard, plus the
// few days' slack the trend rule allows for a missing day.
func historyDays(cards scoring.Scorecards) int {
	n := minAlertHistoryDays
	for _, c := range cards.All() {
		n = max(n, rulesOf(c).TrendDropDays+7)
	}
	return n
}

// maxCooldown is the longest cooldown of any rule of any scorecard: alerts
// resolved longer ago than that cannot hold a rule back.
func maxCooldown(cards scoring.Scorecards) time.Duration {
	days := 0
	for _, c := range cards.All() {
		for _, d := range rulesOf(c).CooldownDays {
			days = max(days, d)
		}
	}
	return time.Duration(days+1) * 24 * time.Hour
}

// redLines gives each scorecard's red threshold: the yellow line of fixed
// bands; for quartile bands, the lowest score the day did not band red.
func redLines(cards scoring.Scorecards, today []scoring.Score) map[string]float64 {
	out := map[string]float64{}
	lowest := map[string]float64{}
	for _, s := range today {
		if s.HasScore() && s.Band != scoring.BandRed {
			if v, ok := lowest[s.Scorecard]; !ok || s.Value < v {
				lowest[s.Scorecard] = s.Value
			}
		}
	}
	for _, c := range cards.All() {
		line := c.Bands.Yellow
		if line <= 0 {
			line = scoring.DefaultBands().Yellow
		}
		if c.Bands.Mode == scoring.BandsQuartiles {
			if v, ok := lowest[c.Name]; ok {
				line = math.Max(v, 0)
			}
		}
		out[c.Name] = line
	}
	return out
}
