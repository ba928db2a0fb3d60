package store

import (
	"context"
	"fmt"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store/db"
)

// CSMBySlackID returns the CSM with that Slack user id, or ErrNotFound.
func (s *Store) CSMBySlackID(ctx context.Context, slackID string) (scoring.CSM, error) {
	return one(csmFromRow)(s.q.GetCSMBySlackID(ctx, &slackID))
}

// CSMByID returns one CSM, or ErrNotFound.
func (s *Store) CSMByID(ctx context.Context, id int64) (scoring.CSM, error) {
	return one(csmFromRow)(s.q.GetCSM(ctx, id))
}

// CSMByEmail returns the CSM with that email (case-insensitive), or ErrNotFound.
func (s *Store) CSMByEmail(ctx context.Context, email string) (scoring.CSM, error) {
	return one(csmFromRow)(s.q.GetCSMByEmail(ctx, email))
}

// CSMs lists every CSM.
func (s *Store) CSMs(ctx context.Context) ([]scoring.CSM, error) {
	return all(csmFromRow, "list csms")(s.q.ListCSMs(ctx))
}

// EnsureCSM finds or creates the CSM for an email and/or Slack id and returns
// its id; known fields are filled in, never blanked.
func (s *Store) EnsureCSM(ctx context.Context, email, slackID, name string) (int64, error) {
	switch {
	case email != "":
		return s.q.UpsertCSMByEmail(ctx, db.UpsertCSMByEmailParams{Email: email, SlackUserID: ptrOrNil(slackID), Name: name})
	case slackID != "":
		return s.q.UpsertCSMBySlackID(ctx, db.UpsertCSMBySlackIDParams{SlackUserID: slackID, Email: nil, Name: name})
	}
	return 0, fmt.Errorf("a CSM needs an email or a Slack user id")
}

// SetCSMTimeZone records the IANA zone Slack reports for a CSM.
func (s *Store) SetCSMTimeZone(ctx context.Context, id int64, tz string) error {
	return s.q.SetCSMTimeZone(ctx, db.SetCSMTimeZoneParams{ID: id, Tz: tz})
}

func csmFromRow(r db.Csm) scoring.CSM {
	return scoring.CSM{ID: r.ID, SlackUserID: deref(r.SlackUserID), Email: deref(r.Email), Name: r.Name, TZ: r.Tz, Active: r.Active}
}
