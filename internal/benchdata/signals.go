// Package benchdata writes the benchmarks' synthetic signal files. The CSV
// import, the SQL sync and the REST intake benchmarks compare rates of the
// same rows, so one generator makes them; its values lie in each metric's
// valid range (ingest/valid), which every intake path checks — a generator
// that sent 0–999.99 for an active-user ratio made the import refuse the
// file before anything was measured.
package benchdata

import (
	"bufio"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// Metrics are the benchmarks' metric names, built-ins of several kinds.
var Metrics = []string{"active_user_ratio", "seats_used", "support_tickets", "nps", "feature_adoption"}

// Start is the first day of the generated history.
var Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Value is a value in metric's valid range: an active-user ratio of 0–1,
// an NPS of −100–100, anything else 0–999.99.
func Value(rng *rand.Rand, metric string) float64 {
	switch metric {
	case "active_user_ratio":
		return float64(rng.IntN(101)) / 100
	case "nps":
		return float64(rng.IntN(201) - 100)
	}
	return float64(rng.IntN(100000)) / 100
}

// WriteSignalsCSV writes rows daily observations as a nightly export
// would: every account (acct-1 … acct-N) and metric, day after day, with
// observed_at in layout (time.DateOnly or time.RFC3339). The same seed
// gives the same file.
func WriteSignalsCSV(out io.Writer, rows, accounts int, layout string) error {
	w := bufio.NewWriterSize(out, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	if _, err := io.WriteString(w, "account,metric,observed_at,value,source\n"); err != nil {
		return err
	}
	var line []byte
	for i := range rows {
		m := i % len(Metrics)
		acct := (i / len(Metrics)) % accounts
		day := i / (len(Metrics) * accounts)
		line = append(line[:0], "acct-"...)
		line = strconv.AppendInt(line, int64(acct+1), 10)
		line = append(line, ',')
		line = append(line, Metrics[m]...)
		line = append(line, ',')
		line = Start.AddDate(0, 0, day).AppendFormat(line, layout)
		line = append(line, ',')
		line = strconv.AppendFloat(line, Value(rng, Metrics[m]), 'f', -1, 64)
		line = append(line, ",product\n"...)
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return w.Flush()
}
