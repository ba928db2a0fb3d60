package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest/valid"
)

// serve's intake reads the kinds once per kindsTTL, not per request, and
// keeps no failed read.
func TestKindsCacheReadsOncePerTTL(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	loads := 0
	var fail error
	c := &kindsCache{now: func() time.Time { return now }, load: func(context.Context) (valid.Kinds, error) {
		loads++
		if fail != nil {
			return nil, fail
		}
		return valid.Kinds{"m": valid.Ratio}, nil
	}}
	ctx := context.Background()
	for range 3 {
		k, err := c.get(ctx)
		require.NoError(t, err)
		require.Equal(t, valid.Ratio, k.For("m"))
	}
	require.Equal(t, 1, loads, "three requests, one read")
	now = now.Add(kindsTTL)
	fail = errors.New("database down")
	_, err := c.get(ctx)
	require.ErrorIs(t, err, fail)
	fail = nil
	_, err = c.get(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, loads, "read again after the TTL, and after a failed read")
}
