package csvimport_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/healthbot/healthbot/ingest/csvimport"
	"github.com/healthbot/healthbot/store"
)

// The CSV fuzzers (owned by the intake engineer, added beside the readers)
// check that no file makes a reader panic or hand out an invalid row, and
// that a bad file ends in an *store.ImportError or a read error. Their seed
// corpus runs with go test; `make fuzz` explores further.

func FuzzSignalReader(f *testing.F) {
	f.Add([]byte("account,metric,observed_at,value,source\nacme,nps,2026-03-01,40,survey\nacme,nps,2026-03-01T10:00:00Z,-1.5e3,\n"))
	f.Add([]byte("Account,Metric,Observed At,Value\n\"a,b\",m,2026-13-01,NaN\nx,y,2026-01-01,1e999\n"))
	f.Add([]byte("account,metric,observed_at,value\n\"unterminated\n"))
	f.Add([]byte("\xef\xbb\xbfaccount;metric\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := csvimport.NewSignalReader(bytes.NewReader(data), nil)
		if err != nil {
			return
		}
		var row store.SignalRow
		for r.Next(&row) {
			if row.Account == "" || row.Metric == "" || row.ObservedAt.IsZero() || math.IsNaN(row.Value) || math.IsInf(row.Value, 0) || row.Line < 2 {
				t.Fatalf("invalid row handed out: %+v", row)
			}
		}
		checkEnd(t, r.Err())
	})
}

func FuzzAccountReader(f *testing.F) {
	f.Add([]byte("external_id,name,seats,mrr,renewal_date,owner_email,region\nacme,Acme,40,1200.50,2026-09-30,a@b.c,EMEA\n"))
	f.Add([]byte("external_id,name,seats\nacme,,-1\n,,x\n"))
	f.Add([]byte("external_id,name,\"tier \"\"gold\"\"\"\nx,X,\"\\u0000\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := csvimport.NewAccountReader(bytes.NewReader(data), nil)
		if err != nil {
			return
		}
		var row store.AccountRow
		for r.Next(&row) {
			if row.ExternalID == "" || row.Name == "" || row.Seats < 0 || math.IsNaN(row.MRR) || row.MRR < 0 {
				t.Fatalf("invalid row handed out: %+v", row)
			}
			if !json.Valid(row.Attributes) {
				t.Fatalf("attributes are not JSON: %s", row.Attributes)
			}
		}
		checkEnd(t, r.Err())
	})
}

// checkEnd accepts a clean end, bad rows reported as an *store.ImportError
// with at least one row, or a read error of the CSV itself.
func checkEnd(t *testing.T, err error) {
	t.Helper()
	var ie *store.ImportError
	if errors.As(err, &ie) && ie.Code == store.CodeBadRows && len(ie.Rows) == 0 {
		t.Fatalf("bad-rows error without rows: %v", err)
	}
}
