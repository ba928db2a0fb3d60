package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// scorecardsListed is how many versions `scorecards list` shows.
const scorecardsListed = 20

func scorecardsCommand() command {
	return command{
		summary: "the scorecards in force and their stored versions: list, export FILE, import FILE",
		usage:   "scorecards list | export [FILE] | import [--by NAME] FILE",
		run:     runScorecards,
	}
}

func runScorecards(ctx context.Context, e *env, args []string) error {
	fs := flags("scorecards", e)
	by := fs.String("by", "", "import: who approves the imported scorecards (default $USER)")
	if len(args) == 0 {
		return usagef("want a subcommand: list, export or import")
	}
	if isHelpArg(args[0]) || args[0] == "help" {
		return parseFlags(fs, []string{"-h"})
	}
	sub, rest := args[0], args[1:]
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	var file string
	switch {
	case sub == "list" && fs.NArg() > 0, sub != "list" && fs.NArg() > 1:
		return usagef("unexpected argument %q", fs.Arg(fs.NArg()-1))
	case sub == "import" && fs.NArg() == 0:
		return usagef("import needs the YAML file to store")
	case fs.NArg() == 1:
		file = fs.Arg(0)
	}
	if sub != "list" && sub != "export" && sub != "import" {
		return usagef("unknown subcommand %q: want list, export or import", sub)
	}
	pool, err := openDB(ctx, e, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	switch sub {
	case "list":
		return listScorecards(ctx, e, st)
	case "export":
		return exportScorecards(ctx, e, st, file)
	default:
		return importScorecards(ctx, e, st, file, approver(e, *by))
	}
}

// exportScorecards writes the scorecards in force as YAML to file, or to
// stdout without one: a stored version's own YAML, the file named by
// HEALTHBOT_SCORECARDS, or the built-in defaults.
func exportScorecards(ctx context.Context, e *env, st *store.Store, file string) error {
	in, err := app.ScorecardsInForce(ctx, st, e.cfg.ScorecardsFile)
	if err != nil {
		return err
	}
	var data []byte
	switch {
	case in.Version != 0:
		v, err := st.ScorecardVersion(ctx, in.Version)
		if err != nil {
			return err
		}
		data = []byte(v.YAML)
	case in.File != "":
		if data, err = os.ReadFile(in.File); err != nil {
			return fmt.Errorf("scorecards: %w", err)
		}
	default:
		data = scoring.DefaultsYAML()
	}
	if file == "" || file == "-" {
		_, err := e.out.Write(data)
		return err
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	if err := os.WriteFile(abs, data, 0o644); err != nil {
		return fmt.Errorf("export scorecards: %w", err)
	}
	fmt.Fprintf(e.err, "Exported %s to %s.\n", in.Source, abs)
	return nil
}

// importScorecards checks file and stores it as the approved version in
// force, approved by who (the operator running the import).
func importScorecards(ctx context.Context, e *env, st *store.Store, file, who string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("scorecards: %w", err)
	}
	if _, err := scoring.ParseScorecards(data); err != nil { // the bytes stored, read once
		return fmt.Errorf("scorecard file %s is not valid; nothing was imported:\n  %s", file, strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	v, err := st.InsertScorecardVersion(ctx, store.NewScorecardVersion{
		YAML: string(data), Source: "import " + filepath.Base(file), Status: store.VersionApproved, DecidedBy: who,
	}, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "Stored as %s; scoring uses it from the next run.\n", app.VersionSource(v))
	if e.cfg.ScorecardsFile != "" {
		fmt.Fprintf(e.out, "Note: HEALTHBOT_SCORECARDS names %s, which wins over stored versions while it is set.\n", e.cfg.ScorecardsFile)
	}
	return nil
}

// listScorecards prints what is in force and the stored versions.
func listScorecards(ctx context.Context, e *env, st *store.Store) error {
	in, err := app.ScorecardsInForce(ctx, st, e.cfg.ScorecardsFile)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "In force: %s.\n", in.Source)
	vs, err := st.ScorecardVersions(ctx, scorecardsListed)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		fmt.Fprintln(e.out, "No stored versions (healthbot calibrate --apply or healthbot scorecards import FILE store one).")
		return nil
	}
	fmt.Fprintln(e.out)
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tSOURCE\tCREATED\tSTATUS\tBY\tDECIDED\tAUC BEFORE → AFTER")
	for _, v := range vs {
		auc, decided := "–", "–"
		if v.HasAUC {
			auc = fmt.Sprintf("%.2f → %.2f", v.AUCBefore, v.AUCAfter)
		}
		if !v.DecidedAt.IsZero() {
			decided = v.DecidedAt.UTC().Format("2006-01-02 15:04")
		}
		mark := ""
		if v.ID == in.Version {
			mark = " (in force)"
		}
		fmt.Fprintf(tw, "%d%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, mark, v.Source, v.CreatedAt.UTC().Format("2006-01-02 15:04"),
			v.Status, cmpDash(v.DecidedBy), decided, auc)
	}
	return tw.Flush()
}

func cmpDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
