package store

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/healthbot/healthbot/scoring"
)

// spillParts is how many account ranges the scan's rows are spilled into:
// each is sorted in memory on its own (73M rows: about 570,000 rows, 14 MB,
// a part).
const spillParts = 128

// spillRecord is one spilled observation: time, value, account index,
// signal index.
const spillRecord = 24

// scanSpilled reads every observation the plan reads in one unordered
// scan (Postgres's parallel sequential scan, which no sort holds back),
// spills each row to the file of its account range, then reads the ranges
// back in account order, sorts each in memory by (account, signal, time)
// and hands each (account, signal) group to the slider. Sorting 73M rows
// in Postgres instead cost more than the scan many times over; walking the
// (account, signal, time) index is fast only while the table happens to be
// stored in that order. Rows are decoded from their binary form directly:
// at tens of millions of rows, pgx's generic Scan would cost more than the
// query.
func (s *Store) scanSpilled(ctx context.Context, p *featurePlan, accounts []int64, park *featurePark, w *slider) error {
	dir, err := os.MkdirTemp("", "healthbot-backfill-rows-*")
	if err != nil {
		return fmt.Errorf("backfill features: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	sp, err := newSpill(dir, len(accounts))
	if err != nil {
		return err
	}
	defer sp.close()
	signals := slices.Clone(p.signals)
	if p.pulse {
		signals = append(signals, PulseSignal)
	}
	if err := s.spillRows(ctx, p, accounts, signals, sp); err != nil {
		return err
	}
	var recs []byte
	for part := range sp.files {
		if recs, err = sp.read(part, recs); err != nil {
			return err
		}
		if err := feedGroups(recs, signals, p, park, w); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) spillRows(ctx context.Context, p *featurePlan, accounts []int64, signals []string, sp *spill) error {
	index := make(map[int64]int32, len(accounts))
	for i, id := range accounts {
		index[id] = int32(i)
	}
	sigIndex := make(map[string]int32, len(signals))
	for i, sig := range signals {
		sigIndex[sig] = int32(i)
	}
	q := `SELECT account_id, metric, observed_at, value FROM signal
		WHERE observed_at > $1 AND observed_at <= $2 AND metric = ANY($3)`
	if p.pulse {
		q += ` UNION ALL SELECT account_id, '` + PulseSignal + `', answered_at,
			(CASE rating WHEN 'healthy' THEN ` + fmt.Sprint(scoring.PulseValueHealthy) + ` WHEN 'concerning' THEN ` +
			fmt.Sprint(scoring.PulseValueConcerning) + ` ELSE ` + fmt.Sprint(scoring.PulseValuePoor) + ` END)::float8
			FROM pulse WHERE answered_at > $1 AND answered_at <= $2`
	}
	rows, err := s.db.Query(ctx, q, p.from, p.asOf, p.signals)
	if err != nil {
		return fmt.Errorf("backfill features: %w", err)
	}
	defer rows.Close()
	for i, f := range rows.FieldDescriptions() {
		if i != 1 && f.Format != 1 { // text reads the same in either format
			return fmt.Errorf("backfill features: column %s arrived as text, not binary", f.Name)
		}
	}
	var rec [spillRecord]byte
	for rows.Next() {
		raw := rows.RawValues()
		if len(raw) != 4 || len(raw[0]) != 8 || len(raw[2]) != 8 || len(raw[3]) != 8 {
			return errors.New("backfill features: unexpected row shape")
		}
		id := int64(binary.BigEndian.Uint64(raw[0]))
		ai, ok := index[id]
		if !ok {
			return fmt.Errorf("backfill features: account %d has signals but no account row", id)
		}
		si, ok := sigIndex[string(raw[1])]
		if !ok {
			return fmt.Errorf("backfill features: the scan returned signal %q it did not ask for", raw[1])
		}
		binary.LittleEndian.PutUint64(rec[0:], uint64(int64(binary.BigEndian.Uint64(raw[2]))+pgEpochMicros))
		copy(rec[8:16], raw[3]) // the value stays big-endian: feedGroups reads it so
		binary.LittleEndian.PutUint32(rec[16:], uint32(ai))
		binary.LittleEndian.PutUint32(rec[20:], uint32(si))
		if err := sp.add(int(ai), rec[:]); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("backfill features: %w", err)
	}
	return sp.flush()
}

// feedGroups sorts one account range's records by (account, signal, time)
// and runs the slider over each (account, signal) group.
func feedGroups(recs []byte, signals []string, p *featurePlan, park *featurePark, w *slider) error {
	n := len(recs) / spillRecord
	order := make([]spilled, n)
	for i := range order {
		r := recs[i*spillRecord:]
		order[i] = spilled{
			t:    int64(binary.LittleEndian.Uint64(r[0:])),
			v:    math.Float64frombits(binary.BigEndian.Uint64(r[8:])),
			acct: int32(binary.LittleEndian.Uint32(r[16:])),
			sig:  int32(binary.LittleEndian.Uint32(r[20:])),
		}
	}
	slices.SortFunc(order, func(a, b spilled) int {
		return cmp.Or(cmp.Compare(a.acct, b.acct), cmp.Compare(a.sig, b.sig), cmp.Compare(a.t, b.t))
	})
	for i := 0; i < n; {
		j := i
		w.ts, w.vs = w.ts[:0], w.vs[:0]
		for ; j < n && order[j].acct == order[i].acct && order[j].sig == order[i].sig; j++ {
			w.ts, w.vs = append(w.ts, order[j].t), append(w.vs, order[j].v)
		}
		ai := int(order[i].acct)
		if err := park.reach(ai); err != nil {
			return err
		}
		w.run(p.bySignal[signals[order[i].sig]], park.slots(ai))
		i = j
	}
	return nil
}

type spilled struct {
	t         int64
	v         float64
	acct, sig int32
}

// spill is the scan's rows in spillParts files by account range.
type spill struct {
	files    []*os.File
	writers  []*bufio.Writer
	accounts int
}

func newSpill(dir string, accounts int) (*spill, error) {
	parts := min(spillParts, max(accounts, 1))
	sp := &spill{accounts: accounts}
	for i := range parts {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("part-%03d", i)))
		if err != nil {
			sp.close()
			return nil, fmt.Errorf("backfill features: %w", err)
		}
		sp.files = append(sp.files, f)
		sp.writers = append(sp.writers, bufio.NewWriterSize(f, 32<<10))
	}
	return sp, nil
}

// part is the file of account index a: consecutive ranges, so reading the
// parts in order reads the accounts in order.
func (sp *spill) part(a int) int { return a * len(sp.files) / max(sp.accounts, 1) }

func (sp *spill) add(a int, rec []byte) error {
	if _, err := sp.writers[sp.part(a)].Write(rec); err != nil {
		return fmt.Errorf("backfill features: spill: %w", err)
	}
	return nil
}

func (sp *spill) flush() error {
	for _, w := range sp.writers {
		if err := w.Flush(); err != nil {
			return fmt.Errorf("backfill features: spill: %w", err)
		}
	}
	return nil
}

// read returns part i's records, reusing buf.
func (sp *spill) read(i int, buf []byte) ([]byte, error) {
	f := sp.files[i]
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("backfill features: spill: %w", err)
	}
	buf = slices.Grow(buf[:0], int(st.Size()))[:st.Size()]
	if _, err := f.ReadAt(buf, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("backfill features: spill: %w", err)
	}
	return buf, nil
}

func (sp *spill) close() {
	for _, f := range sp.files {
		_ = f.Close()
	}
}
