package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/healthbot/healthbot/ingest/csvimport"
	"github.com/healthbot/healthbot/store"
)

func importCommand() command {
	return command{
		summary: "import accounts or signals from a CSV file",
		usage: "import accounts|signals FILE.csv|- [--map csvcol=field]...\n\n" +
			"  accounts columns: " + strings.Join(store.AccountFields, ",") + " (others become attributes)\n" +
			"  signals columns:  account,metric,observed_at,value[,source] (account is an external_id)\n" +
			"  dates: YYYY-MM-DD or RFC 3339; - reads standard input",
		run: runImport,
	}
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// importArgs is a parsed import command line.
type importArgs struct {
	kind, file string
	mapping    csvimport.Mapping
	lastWins   bool
}

func parseImportArgs(e *env, args []string) (importArgs, error) {
	fs := flags("import", e)
	var maps stringList
	fs.Var(&maps, "map", "rename a CSV column to a field: csvcol=field (repeatable)")
	lastWins := fs.Bool("last-wins", false, "accounts: when an external_id repeats, keep its last row (without it, repeats are reported with their lines)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return importArgs{}, err
	}
	switch {
	case len(pos) == 0:
		return importArgs{}, usagef("say what to import: accounts or signals")
	case pos[0] != "accounts" && pos[0] != "signals":
		return importArgs{}, usagef("cannot import %q: want accounts or signals", pos[0])
	case len(pos) == 1:
		return importArgs{}, usagef("name the CSV file to import (- for standard input)")
	case len(pos) > 2:
		return importArgs{}, usagef("unexpected argument %q", pos[2])
	}
	m, err := csvimport.ParseMapping(maps)
	if err != nil {
		return importArgs{}, usagef("%v", err)
	}
	return importArgs{kind: pos[0], file: pos[1], mapping: m, lastWins: *lastWins}, nil
}

// parseInterleaved lets flags follow positional arguments, as in
// `import signals file.csv --map a=b`.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

func runImport(ctx context.Context, e *env, args []string) error {
	a, err := parseImportArgs(e, args)
	if err != nil {
		return err
	}
	in, size, err := openInput(e, a.file)
	if err != nil {
		return err
	}
	defer in.Close()
	counted := &countingReader{r: in}
	prog := newProgress(e.err, isTerminal(e.err), size, counted.count, time.Now)
	src := bufio.NewReaderSize(counted, 64<<10)

	var run func(*store.Store) (store.ImportSummary, error)
	var signals *csvimport.SignalReader
	switch a.kind {
	case "accounts":
		r, err := csvimport.NewAccountReader(src, a.mapping)
		if err != nil {
			return err
		}
		r.LastWins = a.lastWins
		note(e, "stored as attributes", r.Attributes())
		run = func(s *store.Store) (store.ImportSummary, error) { return s.ImportAccounts(ctx, accountFeed{r, prog}) }
	default:
		r, err := csvimport.NewSignalReader(src, a.mapping)
		if err != nil {
			return err
		}
		note(e, "ignored", r.Ignored())
		signals = r
		run = func(s *store.Store) (store.ImportSummary, error) { return s.ImportSignals(ctx, signalFeed{r, prog}) }
	}

	pool, err := openDB(ctx, e, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	if signals != nil { // values are checked by the kinds the scorecards in force know
		if signals.Kinds, err = signalKinds(ctx, st, e.cfg.ScorecardsFile); err != nil {
			return err
		}
	}
	sum, err := run(st)
	prog.clear()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "%s: %s rows read, %s inserted, %s updated, %s unchanged\n", a.kind,
		commas(sum.Read), commas(sum.Inserted), commas(sum.Updated), commas(sum.Unchanged))
	return nil
}

// note tells the user which columns were not taken as fields.
func note(e *env, what string, cols []string) {
	if len(cols) > 0 {
		fmt.Fprintf(e.err, "note: columns %s: %s\n", what, strings.Join(cols, ", "))
	}
}

// openInput opens the file, or standard input for "-"; size is 0 when unknown.
func openInput(e *env, name string) (io.ReadCloser, int64, error) {
	if name == "-" {
		if e.in == nil {
			return nil, 0, fmt.Errorf("no standard input to read")
		}
		return io.NopCloser(e.in), 0, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	var size int64
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return f, size, nil
}

// countingReader counts the bytes read through it, for the progress bar.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) count() int64 { return c.n }

// signalFeed and accountFeed tick the progress bar as rows stream by.
type signalFeed struct {
	*csvimport.SignalReader
	p *progress
}

func (f signalFeed) Next(row *store.SignalRow) bool {
	if f.SignalReader.Next(row) {
		f.p.row()
		return true
	}
	f.p.merging()
	return false
}

type accountFeed struct {
	*csvimport.AccountReader
	p *progress
}

func (f accountFeed) Next(row *store.AccountRow) bool {
	if f.AccountReader.Next(row) {
		f.p.row()
		return true
	}
	f.p.merging()
	return false
}
