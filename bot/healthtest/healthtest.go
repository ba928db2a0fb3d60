// Package healthtest builds /health fixtures in a real Postgres: CSMs,
// accounts, daily scores (COPY), pulses and alerts. It writes with plain SQL
// because scores and alerts are written by other parts of the bot; tests of
// /health only need rows that look like theirs.
package healthtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// Fixture writes rows through one store (usually a test transaction).
type Fixture struct {
	T     testing.TB
	Store *store.Store
	Now   time.Time
}

// New makes a fixture; now is the day the scores end on.
func New(t testing.TB, st *store.Store, now time.Time) *Fixture {
	return &Fixture{T: t, Store: st, Now: now}
}

// Day is now's date at UTC midnight, minus back days.
func (f *Fixture) Day(back int) time.Time {
	y, m, d := f.Now.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -back)
}

// CSM creates a CSM and returns it with its id.
func (f *Fixture) CSM(email, slackID, name string) scoring.CSM {
	f.T.Helper()
	id, err := f.Store.EnsureCSM(context.Background(), email, slackID, name)
	if err != nil {
		f.T.Fatalf("healthtest: csm %s: %v", email, err)
	}
	return scoring.CSM{ID: id, Email: email, SlackUserID: slackID, Name: name, Active: true}
}

// Account creates an account; ExternalID defaults to the name.
func (f *Fixture) Account(a scoring.Account) scoring.Account {
	f.T.Helper()
	if a.ExternalID == "" {
		a.ExternalID = a.Name
	}
	if a.OwnerID == 0 {
		a.OwnerID = a.Owner.ID
	}
	id, err := f.Store.UpsertAccount(context.Background(), a)
	if err != nil {
		f.T.Fatalf("healthtest: account %s: %v", a.Name, err)
	}
	a.ID = id
	return a
}

// Series writes one score a day for an account, the last one on Day(0):
// values[len-1] is today's. Band follows the default thresholds.
func (f *Fixture) Series(accountID int64, values ...float64) {
	f.T.Helper()
	scores := make([]scoring.Score, len(values))
	for i, v := range values {
		scores[i] = scoring.Score{AccountID: accountID, AsOf: f.Day(len(values) - 1 - i), Scorecard: "default",
			Value: v, Band: DefaultBand(v), Confidence: 0.9}
	}
	if _, err := f.Store.UpsertScores(context.Background(), scores); err != nil {
		f.T.Fatalf("healthtest: scores: %v", err)
	}
}

// Score writes one full score (subscores, drivers) on its AsOf date.
func (f *Fixture) Score(s scoring.Score) {
	f.T.Helper()
	if _, err := f.Store.UpsertScores(context.Background(), []scoring.Score{s}); err != nil {
		f.T.Fatalf("healthtest: score: %v", err)
	}
}

// Pulse records a CSM's answer.
func (f *Fixture) Pulse(p scoring.Pulse) {
	f.T.Helper()
	if p.Week == "" {
		p.Week = scoring.ISOWeek(p.AnsweredAt)
	}
	if p.Reasons == nil {
		p.Reasons = []string{}
	}
	_, err := f.Store.DB().Exec(context.Background(), `
		INSERT INTO pulse (account_id, csm_id, rating, reasons, note, week, answered_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		p.AccountID, nilIfZero(p.CSMID), string(p.Rating), p.Reasons, p.Note, p.Week, p.AnsweredAt)
	if err != nil {
		f.T.Fatalf("healthtest: pulse: %v", err)
	}
}

// Alert records an alert in a state ("open", "acknowledged", "snoozed", "resolved").
func (f *Fixture) Alert(accountID int64, kind, summary, state string, firedAt time.Time) {
	f.T.Helper()
	_, err := f.Store.DB().Exec(context.Background(), `
		INSERT INTO alert (account_id, kind, dedup_key, fired_at, summary, state)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		accountID, kind, fmt.Sprintf("%s:%d:%d", kind, accountID, firedAt.UnixNano()), firedAt, summary, state)
	if err != nil {
		f.T.Fatalf("healthtest: alert: %v", err)
	}
}

// DefaultBand applies DESIGN §4's default thresholds: green ≥ 70, red < 40.
func DefaultBand(v float64) scoring.Band {
	switch {
	case v >= 70:
		return scoring.BandGreen
	case v >= 40:
		return scoring.BandYellow
	}
	return scoring.BandRed
}

// Ramp is n daily values moving linearly from a to b.
func Ramp(n int, a, b float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		if n == 1 {
			out[i] = b
			continue
		}
		out[i] = a + (b-a)*float64(i)/float64(n-1)
	}
	return out
}

func nilIfZero(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
