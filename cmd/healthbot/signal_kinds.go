package main

import (
	"context"
	"sync"
	"time"

	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/store"
)

// signalKinds is the value range of every signal whose kind the scorecards
// in force know (built-in metrics and declared ones), so the REST intake
// and the CSV import refuse a ratio of 85 or a negative ticket count by the
// same table (ingest/valid) the moment a scorecard declares the metric.
func signalKinds(ctx context.Context, st *store.Store, file string) (valid.Kinds, error) {
	cards, _, err := loadScorecards(ctx, st, "", file)
	if err != nil {
		return nil, err
	}
	return valid.KindsOf(cards.Catalog()), nil
}

// kindsTTL is how long serve's intake trusts the kinds it read: reading
// them means a query and parsing every scorecard, too much for each
// request; an approved calibration reaches intake within this time.
const kindsTTL = 30 * time.Second

// kindsCache is signalKinds for serve's intake, read again once kindsTTL
// has passed on its clock. A failed read is not kept.
type kindsCache struct {
	load func(context.Context) (valid.Kinds, error)
	now  func() time.Time

	mu    sync.Mutex
	kinds valid.Kinds
	until time.Time
}

func (c *kindsCache) get(ctx context.Context) (valid.Kinds, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); c.kinds == nil || !now.Before(c.until) {
		kinds, err := c.load(ctx)
		if err != nil {
			return nil, err
		}
		c.kinds, c.until = kinds, now.Add(kindsTTL)
	}
	return c.kinds, nil
}
