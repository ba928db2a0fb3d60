package benchdata_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/ingest/csvimport"
	"github.com/healthbot/healthbot/internal/benchdata"
	"github.com/healthbot/healthbot/store"
)

// Every generated row passes the CSV reader's checks, value ranges
// included: a benchmark that feeds refused rows measures nothing.
func TestGeneratedSignalsAreAllValid(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	const rows, accounts = 5000, 7
	if err := benchdata.WriteSignalsCSV(&buf, rows, accounts, time.DateOnly); err != nil {
		t.Fatal(err)
	}
	r, err := csvimport.NewSignalReader(strings.NewReader(buf.String()), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var row store.SignalRow
	for r.Next(&row) {
		n++
	}
	if err := r.Err(); err != nil {
		t.Fatalf("after %d rows: %v", n, err)
	}
	if n != rows {
		t.Fatalf("read %d rows, want %d", n, rows)
	}
}
