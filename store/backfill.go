package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// BackfillFeatures computes the features of metrics at every time of
// asOfs (ascending), as Features would at each, in one scan of signal
// (and one of pulse): per (account, signal) the observations are read once
// and every as-of time is a step of sliding windows over them, by the
// semantics of scoring.FeatureOf. fn gets each time's features in order,
// after the scan; the backfill scores a day there.
//
// A day's scoring needs every account's features of that day, while the
// scan yields an account's features of every day: between the two, the
// features wait in a temporary file (16 bytes each), so the Go heap holds
// one batch of accounts' features and one day's, never the whole backfill
// (a year of 10,000 accounts × 21 metrics: a 1.2 GB file, and 1.8 GB of
// spilled rows while the scan runs, both in os.TempDir and removed after).
//
// Values outside intake's range are read like any other; the daily pass
// leaves them out only when they overflow one of its sums (FeaturesSeen),
// which a float64 sum of in-range values never does.
func (s *Store) BackfillFeatures(ctx context.Context, asOfs []time.Time, metrics []scoring.Metric, fn func(i int, fs scoring.FeatureSet) error) error {
	if len(asOfs) == 0 || len(metrics) == 0 {
		return nil
	}
	for i := 1; i < len(asOfs); i++ {
		if !asOfs[i].After(asOfs[i-1]) {
			return fmt.Errorf("backfill features: as-of times must ascend (%s after %s)", asOfs[i].Format(time.RFC3339), asOfs[i-1].Format(time.RFC3339))
		}
	}
	p := newFeaturePlan(asOfs[len(asOfs)-1], metrics)
	p.from = asOfs[0].Add(p.from.Sub(p.asOf)) // the longest lookback before the first day
	accounts, err := s.accountIDs(ctx)
	if err != nil || len(accounts) == 0 {
		return err
	}
	park, err := newFeaturePark(len(asOfs), len(accounts), len(metrics))
	if err != nil {
		return err
	}
	defer park.close()
	w := newSlider(p, asOfs)
	if err := s.scanSpilled(ctx, p, accounts, park, w); err != nil {
		return err
	}
	if err := park.flushThrough(len(accounts)); err != nil {
		return err
	}
	for i := range asOfs {
		fs, err := park.day(i, accounts, metrics)
		if err != nil {
			return err
		}
		if err := fn(i, fs); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) accountIDs(ctx context.Context) ([]int64, error) {
	rows, err := s.db.Query(ctx, `SELECT id FROM account ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("backfill features: accounts: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("backfill features: accounts: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// pgEpochMicros is Postgres's timestamp epoch (2000-01-01) in Unix microseconds.
const pgEpochMicros = 946_684_800_000_000

// featurePark holds the features between the scan and the days: a
// temporary file laid out day by day, each day's slab account by account,
// metric by metric, as (value, age) pairs with NaN for a missing feature.
// The scan fills one batch of accounts at a time in memory and writes each
// day's part of the batch in one write.
type featurePark struct {
	f                     *os.File
	days, accounts, width int
	batch                 int       // accounts per batch
	first                 int       // the batch's first account index
	buf                   []float64 // [day][account in batch][metric][value, age]
}

// parkBatchBytes bounds the in-memory batch.
const parkBatchBytes = 64 << 20

func newFeaturePark(days, accounts, width int) (*featurePark, error) {
	f, err := os.CreateTemp("", "healthbot-backfill-*")
	if err != nil {
		return nil, fmt.Errorf("backfill features: %w", err)
	}
	perAccount := days * width * 16
	batch := max(1, min(accounts, parkBatchBytes/perAccount))
	k := &featurePark{f: f, days: days, accounts: accounts, width: width, batch: batch, buf: make([]float64, days*batch*width*2)}
	k.clear()
	return k, nil
}

func (k *featurePark) close() {
	name := k.f.Name()
	_ = k.f.Close()
	_ = os.Remove(name)
}

func (k *featurePark) clear() {
	nan := math.NaN()
	for i := range k.buf {
		k.buf[i] = nan
	}
}

// reach makes account index a part of the batch in memory, writing out
// the batches before it.
func (k *featurePark) reach(a int) error {
	for a >= k.first+k.batch {
		if err := k.flush(); err != nil {
			return err
		}
	}
	return nil
}

// flushThrough writes out every batch up to account index a (exclusive).
func (k *featurePark) flushThrough(a int) error {
	for k.first < a {
		if err := k.flush(); err != nil {
			return err
		}
	}
	return nil
}

func (k *featurePark) flush() error {
	n := min(k.batch, k.accounts-k.first) // accounts in this batch
	if n <= 0 {
		return nil
	}
	row := k.width * 2 // float64s per account and day
	out := make([]byte, n*row*8)
	for d := range k.days {
		src := k.buf[d*k.batch*row : d*k.batch*row+n*row]
		for i, x := range src {
			binary.LittleEndian.PutUint64(out[i*8:], math.Float64bits(x))
		}
		off := (int64(d)*int64(k.accounts) + int64(k.first)) * int64(row) * 8
		if _, err := k.f.WriteAt(out, off); err != nil {
			return fmt.Errorf("backfill features: park: %w", err)
		}
	}
	k.first += k.batch
	k.clear()
	return nil
}

// slots is where the slider writes account index a's features: day d,
// metric m at [(d·stride + m)·2].
func (k *featurePark) slots(a int) parkSlots {
	return parkSlots{buf: k.buf, base: (a - k.first) * k.width * 2, stride: k.batch * k.width * 2}
}

type parkSlots struct {
	buf          []float64
	base, stride int
}

func (s parkSlots) set(day, metric int, value, age float64) {
	i := s.base + day*s.stride + metric*2
	s.buf[i], s.buf[i+1] = value, age
}

// day reads back day d's features of every account.
func (k *featurePark) day(d int, accounts []int64, metrics []scoring.Metric) (scoring.FeatureSet, error) {
	row := k.width * 2
	b := make([]byte, k.accounts*row*8)
	if _, err := k.f.ReadAt(b, int64(d)*int64(k.accounts)*int64(row)*8); err != nil {
		return nil, fmt.Errorf("backfill features: park: %w", err)
	}
	out := scoring.FeatureSet{}
	for a, id := range accounts {
		var acc map[string]scoring.FeatureValue
		for m := range metrics {
			i := (a*row + m*2) * 8
			v := math.Float64frombits(binary.LittleEndian.Uint64(b[i:]))
			if math.IsNaN(v) {
				continue
			}
			if acc == nil {
				acc = make(map[string]scoring.FeatureValue, len(metrics))
				out[id] = acc
			}
			acc[metrics[m].Key] = scoring.FeatureValue{Value: v, AgeDays: math.Float64frombits(binary.LittleEndian.Uint64(b[i+8:]))}
		}
	}
	return out, nil
}
