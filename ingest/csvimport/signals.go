package csvimport

import (
	"io"
	"time"

	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/store"
)

var signalSchema = schema{
	kind:     "signals",
	fields:   []string{"account", "metric", "observed_at", "value", "source"},
	required: []string{"account", "metric", "observed_at", "value"},
	text:     map[string]valid.Field{"account": valid.ExternalID, "metric": valid.Metric, "source": valid.Source},
}

// SignalReader reads a signals CSV (account,metric,observed_at,value[,source])
// one row at a time; it is a store.SignalSource.
type SignalReader struct {
	rows
	account, metric, observedAt, value, source int

	// Kinds are the value ranges of signals of a known kind (the scorecards
	// in force); NewSignalReader sets the built-in catalog's.
	Kinds valid.Kinds
}

var _ store.SignalSource = (*SignalReader)(nil)

// NewSignalReader reads the header of r and checks it names every required
// field, directly or through m.
func NewSignalReader(r io.Reader, m Mapping) (*SignalReader, error) {
	cr := newReader(r)
	h, err := readHeader(cr, signalSchema, m)
	if err != nil {
		return nil, err
	}
	return &SignalReader{
		rows:    rows{cr: cr, h: h, sc: signalSchema, Now: time.Now()},
		Kinds:   valid.BuiltinKinds(),
		account: h.index("account"), metric: h.index("metric"), observedAt: h.index("observed_at"),
		value: h.index("value"), source: h.index("source"),
	}, nil
}

// Ignored lists the file's columns that are not signal fields.
func (s *SignalReader) Ignored() []string {
	out := make([]string, len(s.h.extras))
	for i, c := range s.h.extras {
		out[i] = s.h.names[c]
	}
	return out
}

// Next fills row with the next good row. Once a row is bad it hands out no
// more rows and reads on only to report further bad rows through Err.
func (s *SignalReader) Next(row *store.SignalRow) bool {
	for {
		rec, line, ok := s.next()
		if !ok {
			return false
		}
		if s.parse(rec, line, row) && s.ok() {
			return true
		}
	}
}

func (s *SignalReader) parse(rec []string, line int64, row *store.SignalRow) bool {
	good := true
	row.Line = line
	row.Account = get(rec, s.account)
	if row.Account == "" {
		s.cell(line, "account", "is empty")
		good = false
	}
	row.Metric = get(rec, s.metric)
	if row.Metric == "" {
		s.cell(line, "metric", "is empty")
		good = false
	}
	var problem string
	if row.ObservedAt, problem = parseTime(get(rec, s.observedAt)); problem != "" {
		s.cell(line, "observed_at", problem)
		good = false
	} else if !s.date(line, "observed_at", row.ObservedAt, valid.Happened) {
		good = false
	}
	if row.Value, problem = parseNumberBy(get(rec, s.value), func(v float64) string { return s.Kinds.SignalValue(row.Metric, v) }); problem != "" {
		s.cell(line, "value", problem)
		good = false
	}
	row.Source = get(rec, s.source)
	return good
}

// Err is nil after a clean read, an *store.ImportError listing bad rows, or
// the read error that cut the file short.
func (s *SignalReader) Err() error { return s.err() }

// ColumnName is the file's name for a field.
func (s *SignalReader) ColumnName(field string) string { return s.h.column(field) }
