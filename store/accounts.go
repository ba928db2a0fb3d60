package store

import (
	"context"
	"fmt"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store/db"
)

// Account returns one account by id, or ErrNotFound.
func (s *Store) Account(ctx context.Context, id int64) (scoring.Account, error) {
	return one(accountFromRow)(s.q.GetAccount(ctx, id))
}

// AccountByExternalID returns one account by its external id, or ErrNotFound.
func (s *Store) AccountByExternalID(ctx context.Context, externalID string) (scoring.Account, error) {
	return one(accountFromRow)(s.q.GetAccountByExternalID(ctx, externalID))
}

// Accounts lists every account with its owner, ordered by name.
func (s *Store) Accounts(ctx context.Context) ([]scoring.Account, error) {
	rows, err := s.q.ListAccounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	out := make([]scoring.Account, len(rows))
	for i, r := range rows {
		a := accountFromRow(db.Account{
			ID: r.ID, ExternalID: r.ExternalID, Name: r.Name, Domain: r.Domain, Segment: r.Segment,
			Outcome: r.Outcome, OwnerID: r.OwnerID, Plan: r.Plan, Mrr: r.Mrr, Seats: r.Seats,
			RenewalDate: r.RenewalDate, StartedAt: r.StartedAt, ChurnedAt: r.ChurnedAt, Attributes: r.Attributes,
		})
		a.Owner = scoring.CSM{
			ID: deref(r.OwnerID), SlackUserID: deref(r.OwnerSlackUserID), Email: deref(r.OwnerEmail),
			Name: deref(r.OwnerName), TZ: deref(r.OwnerTz),
		}
		out[i] = a
	}
	return out, nil
}

// UpsertAccount inserts or updates an account by external id and returns its id.
func (s *Store) UpsertAccount(ctx context.Context, a scoring.Account) (int64, error) {
	id, err := s.q.UpsertAccount(ctx, db.UpsertAccountParams{
		ExternalID: a.ExternalID, Name: a.Name, Domain: a.Domain, Segment: a.Segment, Outcome: a.Outcome,
		OwnerID: ptrOrNil(a.OwnerID), Plan: a.Plan, Mrr: a.MRR, Seats: int32(a.Seats),
		RenewalDate: pgDate(a.RenewalDate), StartedAt: pgDate(a.StartedAt), ChurnedAt: pgDate(a.ChurnedAt),
		Attributes: jsonBytes(a.Attributes),
	})
	if err != nil {
		return 0, fmt.Errorf("upsert account %q: %w", a.ExternalID, err)
	}
	return id, nil
}

func accountFromRow(r db.Account) scoring.Account {
	return scoring.Account{
		ID: r.ID, ExternalID: r.ExternalID, Name: r.Name, Domain: r.Domain, Segment: r.Segment,
		Outcome: r.Outcome, OwnerID: deref(r.OwnerID), Plan: r.Plan, MRR: r.Mrr, Seats: int(r.Seats),
		RenewalDate: date(r.RenewalDate), StartedAt: date(r.StartedAt), ChurnedAt: date(r.ChurnedAt),
		Attributes: jsonMap(r.Attributes),
	}
}
