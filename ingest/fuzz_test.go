package ingest_test

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/healthbot/healthbot/ingest"
	"github.com/healthbot/healthbot/ingest/valid"
)

// The fuzzers check that no body makes a parser panic, that problems name
// real items, and that every item not named is fit to store. Their seed
// corpus runs with go test; `make fuzz` explores further.

func badIndexes(t *testing.T, n int, items []ingest.ItemError) map[int]bool {
	t.Helper()
	bad := map[int]bool{}
	for _, it := range items {
		if it.Index < 0 || it.Index >= n {
			t.Fatalf("problem names item %d of %d: %+v", it.Index, n, it)
		}
		if it.Why == "" {
			t.Fatalf("problem without a reason: %+v", it)
		}
		bad[it.Index] = true
	}
	return bad
}

func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func FuzzParseSignals(f *testing.F) {
	f.Add([]byte(`{"signals":[{"account":"acme","metric":"nps","observed_at":"2026-03-01T10:00:00Z","value":40,"source":"survey","key":"k1"}]}`))
	f.Add([]byte(`{"signals":[{"account":"acme","metric":"nps","observed_at":"2026-03-01","value":-1e308},{"account":"","value":"x"},null,7]}`))
	f.Add([]byte(`{"signals":[{"account":"a\u0000","metric":"m","observed_at":"9999-12-31T23:59:59.999999999+14:00","value":0}]}`))
	f.Add([]byte(`{"signals":{}}`))
	f.Add([]byte(`{"signals":[{"observedAt":"x","value":1e999}]}`))
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		sigs, problems, aerr := ingest.ParseSignals(body, 1000, valid.BuiltinKinds(), now)
		if aerr != nil {
			return
		}
		bad := badIndexes(t, len(sigs), problems)
		for i, s := range sigs {
			if bad[i] {
				continue
			}
			if s.Account == "" || s.Metric == "" || !storable(s.Account) || !storable(s.Metric) || !storable(s.Source) || !storable(s.Key) {
				t.Fatalf("item %d passed with unstorable text: %+v", i, s)
			}
			if s.ObservedAt.IsZero() || math.IsNaN(s.Value) || math.IsInf(s.Value, 0) || s.IdempotencyKey() == "" {
				t.Fatalf("item %d passed invalid: %+v", i, s)
			}
		}
	})
}

func FuzzParseAccounts(f *testing.F) {
	f.Add([]byte(`{"accounts":[{"external_id":"acme","name":"Acme","seats":40,"mrr":12.5,"renewal_date":"2026-09-30","owner_email":"a@b.c","attributes":{"x":null}}]}`))
	f.Add([]byte(`{"accounts":[{"external_id":null,"name":"","seats":1.5,"mrr":-1,"churned_at":null,"attributes":null,"owner_slack_id":7}]}`))
	f.Add([]byte(`{"accounts":[[],"x",{"colour":"red"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		accs, problems, aerr := ingest.ParseAccounts(body, 1000, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
		if aerr != nil {
			return
		}
		bad := badIndexes(t, len(accs), problems)
		for i, a := range accs {
			if !bad[i] && (a.ExternalID == "" || !storable(a.ExternalID)) {
				t.Fatalf("item %d passed without a storable external_id: %q", i, a.ExternalID)
			}
		}
	})
}

func FuzzParsePulses(f *testing.F) {
	f.Add([]byte(`{"pulses":[{"account":"acme","csm_email":"a@b.c","rating":"poor","reasons":["x"],"note":"n","week":"2026-W09"}]}`))
	f.Add([]byte(`{"pulses":[{"account":"acme","rating":"HEALTHY","answered_at":"2026-02-25T09:00:00Z"},{"week":"2026-W99"}]}`))
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		ps, problems, aerr := ingest.ParsePulses(body, 1000, now)
		if aerr != nil {
			return
		}
		bad := badIndexes(t, len(ps), problems)
		for i, p := range ps {
			if bad[i] {
				continue
			}
			if p.Account == "" || p.Rating == "" || len(p.Week) != 8 || p.AnsweredAt.IsZero() || !storable(p.Note) {
				t.Fatalf("item %d passed invalid: %+v", i, p)
			}
		}
	})
}

func FuzzParseSegment(f *testing.F) {
	f.Add([]byte(`{"batch":[{"type":"track","userId":"u1","event":"A","messageId":"m1","timestamp":"2026-03-01T10:00:00.000Z","properties":{"a":1}},{"type":"group","anonymousId":"x","groupId":42,"traits":{"role":"admin"}},{"type":"identify","userId":"u1","traits":{"n":"\u0000\ud800"}}],"writeKey":"k"}`), "batch")
	f.Add([]byte(`{"userId":"u1","event":"A","context":{"groupId":"acme"}}`), "track")
	f.Add([]byte(`{"type":"page","userId":1e400,"name":"Home"}`), "batch")
	f.Add([]byte(`{"batch":[{"type":"alias","userId":"u"},[],{"type":"track","properties":[]}]}`), "batch")
	f.Add([]byte("{\"userId\":\"\xff\",\"groupId\":\"g\",\"traits\":{\"\xfe\":\"\u0000\"}}"), "group")
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	kinds := map[string]bool{"batch": true, "track": true, "identify": true, "group": true, "page": true, "screen": true}
	f.Fuzz(func(t *testing.T, body []byte, kind string) {
		if !kinds[kind] {
			kind = "batch"
		}
		p, aerr := ingest.ParseSegment(body, kind, ingest.DefaultLimits, now)
		if aerr != nil {
			return
		}
		badIndexes(t, p.Received, p.Rejected)
		for _, e := range p.Batch.Events {
			if e.MessageID == "" || e.Actor() == "" || e.OccurredAt.IsZero() {
				t.Fatalf("event passed invalid: %+v", e)
			}
			for _, s := range []string{e.MessageID, e.Type, e.UserID, e.AnonymousID, e.Name, e.GroupID} {
				if !storable(s) {
					t.Fatalf("event passed with unstorable text %q", s)
				}
			}
			if e.Properties != nil && (!json.Valid(e.Properties) || !utf8.Valid(e.Properties) || bytes.Contains(e.Properties, []byte(`\u0000`))) {
				t.Fatalf("properties Postgres cannot store: %s", e.Properties)
			}
		}
		for _, l := range p.Batch.Links {
			if l.UserID == "" || l.GroupID == "" {
				t.Fatalf("link without user or group: %+v", l)
			}
		}
	})
}
