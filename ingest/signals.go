package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/store"
)

// DefaultSignalSource is the source of signals posted without one.
const DefaultSignalSource = "api"

// signalJSON is one /v1/signals item as sent.
type signalJSON struct {
	Account    string   `json:"account"`
	Metric     string   `json:"metric"`
	ObservedAt string   `json:"observed_at"`
	Value      *float64 `json:"value"`
	Source     string   `json:"source"`
	Key        string   `json:"key"`
}

// Signal is one valid /v1/signals item.
type Signal struct {
	Account    string // external id
	Metric     string
	ObservedAt time.Time
	Value      float64
	Source     string
}

// signalKey is what a signal is stored under: one value per account,
// metric, time and source, so a signal sent again replaces its value.
type signalKey struct {
	account, metric, source string
	observedAt              int64 // Unix microseconds, Postgres's precision
}

func (s Signal) key() signalKey {
	return signalKey{account: s.Account, metric: s.Metric, source: s.Source, observedAt: s.ObservedAt.UnixMicro()}
}

// ParseSignals validates a /v1/signals body; problems name each bad item.
// A value is checked against its metric's kind in kinds (±1e15 when the
// kind is not known).
func ParseSignals(body []byte, maxItems int, kinds valid.Kinds, now time.Time) ([]Signal, []ItemError, *healthbot.Error) {
	raws, aerr := decodeEnvelope(body, "signals", maxItems)
	if aerr != nil {
		return nil, nil, aerr
	}
	var p problems
	out := make([]Signal, len(raws))
	for i, raw := range raws {
		var j signalJSON
		if field, why, ok := decodeItem(raw, &j); !ok {
			p.add(i, field, "%s", why)
			continue
		}
		out[i] = p.signal(i, j, kinds, now)
	}
	return out, p, nil
}

func (p *problems) signal(i int, j signalJSON, kinds valid.Kinds, now time.Time) Signal {
	s := Signal{Account: j.Account, Metric: j.Metric, Source: j.Source}
	if s.Source == "" {
		s.Source = DefaultSignalSource
	}
	p.text(i, "account", s.Account, true, valid.ExternalID)
	p.text(i, "metric", s.Metric, true, valid.Metric)
	p.text(i, "source", s.Source, false, valid.Source)
	p.text(i, "key", j.Key, false, valid.Key)
	s.ObservedAt = p.timeField(i, "observed_at", j.ObservedAt, true, now)
	switch {
	case j.Value == nil:
		p.add(i, "value", "is required (a number)")
	case kinds.SignalValue(s.Metric, *j.Value) != "":
		p.add(i, "value", "%s", kinds.SignalValue(s.Metric, *j.Value))
	default:
		s.Value = *j.Value
	}
	return s
}

// signals serves POST /v1/signals: the whole batch is checked (accounts
// included) before one set-based write, so a bad batch writes nothing.
func (h *Handler) signals(ctx context.Context, c *call) (any, *healthbot.Error) {
	kinds, err := h.kinds(ctx)
	if err != nil {
		return nil, errInternal(fmt.Errorf("signal kinds: %w", err))
	}
	sigs, bad, aerr := ParseSignals(c.body, h.limits.RESTItems, kinds, h.now())
	if aerr != nil {
		return nil, aerr
	}
	c.items = len(sigs)
	failed := failedItems(bad)
	account := func(s Signal) string { return s.Account }
	ids, err := h.store.AccountIDsByExternalID(ctx, distinct(lookupValues(sigs, failedFields(bad), "account", account), account))
	if err != nil {
		return nil, errInternal(err)
	}
	for i, s := range sigs {
		if _, ok := ids[s.Account]; !ok && !failed[i] {
			bad = append(bad, ItemError{Index: i, Field: "account", Why: fmt.Sprintf("no account %q; create it with POST /v1/accounts first", s.Account), reason: reasonUnknownAcct})
		}
	}
	if len(bad) > 0 {
		return nil, h.batchFailed(c, "signals", errInvalidItems(len(sigs), sortItems(bad)), bad)
	}
	rows := signalRows(sigs, ids)
	written, err := h.store.IntakeSignals(ctx, rows)
	if err != nil {
		return nil, errInternal(err)
	}
	h.metrics.accepted("signals", reasonStored, len(sigs))
	return map[string]any{"accepted": len(sigs), "written": written, "unchanged": int64(len(rows)) - written}, nil
}

// signalRows resolves accounts; a key (account, metric, time, source)
// repeated in the batch keeps its last item, as if the items had been sent
// one after the other.
func signalRows(sigs []Signal, ids map[string]int64) []store.IntakeSignal {
	rows := make([]store.IntakeSignal, 0, len(sigs))
	at := make(map[signalKey]int, len(sigs))
	for _, s := range sigs {
		r := store.IntakeSignal{AccountID: ids[s.Account], Metric: s.Metric, ObservedAt: s.ObservedAt,
			Value: s.Value, Source: s.Source}
		k := s.key()
		if j, dup := at[k]; dup {
			rows[j] = r
			continue
		}
		at[k] = len(rows)
		rows = append(rows, r)
	}
	return rows
}

// failedItems is the set of item indexes with a problem.
func failedItems(bad []ItemError) map[int]bool {
	failed := map[int]bool{}
	for _, b := range bad {
		failed[b.Index] = true
	}
	return failed
}

// badFields is the set of (item, field) with a problem.
type badFields map[string]bool

func failedFields(bad []ItemError) badFields {
	out := badFields{}
	for _, b := range bad {
		out[fmt.Sprint(b.Index, "/", b.Field)] = true
	}
	return out
}

func (b badFields) has(i int, field string) bool { return b[fmt.Sprint(i, "/", field)] }

// lookupValues are the values of field to look up: only those that passed
// validation (a NUL in an id must not reach Postgres).
func lookupValues[T any](items []T, bad badFields, field string, value func(T) string) []T {
	out := make([]T, 0, len(items))
	for i, it := range items {
		if !bad.has(i, field) && value(it) != "" {
			out = append(out, it)
		}
	}
	return out
}

func distinct[T any](items []T, key func(T) string) []string {
	seen := make(map[string]bool, len(items))
	out := make([]string, 0, len(items))
	for _, it := range items {
		k := key(it)
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
