package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func TestAccountRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)

	owner, err := s.EnsureCSM(ctx, "dana@example.com", "U123", "Dana")
	require.NoError(t, err)
	in := scoring.Account{
		ExternalID: "acme", Name: "Acme", Domain: "acme.com", Segment: "Enterprise", OwnerID: owner,
		MRR: 1234.5, Seats: 40, RenewalDate: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC),
		Attributes: map[string]any{"region": "EMEA"},
	}
	id, err := s.UpsertAccount(ctx, in)
	require.NoError(t, err)

	got, err := s.AccountByExternalID(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, id, got.ID)
	require.Equal(t, "Enterprise", got.Segment)
	require.Equal(t, 1234.5, got.MRR)
	require.True(t, in.RenewalDate.Equal(got.RenewalDate))
	require.True(t, got.ChurnedAt.IsZero())
	require.Equal(t, "EMEA", got.Attributes["region"])

	in.Name = "Acme Corp"
	id2, err := s.UpsertAccount(ctx, in)
	require.NoError(t, err)
	require.Equal(t, id, id2, "upsert by external id keeps the row")

	all, err := s.Accounts(ctx)
	require.NoError(t, err)
	require.Len(t, all, 1)
	require.Equal(t, "Acme Corp", all[0].Name)
	require.Equal(t, "U123", all[0].Owner.SlackUserID)

	_, err = s.AccountByExternalID(ctx, "nope")
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestInTxRollsBackOnError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)

	err := s.InTx(ctx, func(tx *store.Store) error {
		_, err := tx.UpsertAccount(ctx, scoring.Account{ExternalID: "x", Name: "X"})
		require.NoError(t, err)
		return context.Canceled
	})
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.AccountByExternalID(ctx, "x")
	require.ErrorIs(t, err, store.ErrNotFound)
}
