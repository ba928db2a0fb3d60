package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/healthbot/healthbot/store"
)

// ioStreams are the process's standard streams, injected so tests can drive
// every subcommand.
type ioStreams struct {
	in       io.Reader
	out, err io.Writer
}

// env is what every subcommand receives: streams, configuration and a logger.
type env struct {
	ioStreams
	getenv func(string) string
	cfg    Config
	log    *slog.Logger
}

// command is one subcommand of the healthbot binary.
type command struct {
	summary string
	usage   string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands is the subcommand table; each entry lives in its own file.
func commands() map[string]command {
	return map[string]command{
		"migrate":  migrateCommand(),
		"serve":    serveCommand(),
		"demo":     demoCommand(),
		"import":   importCommand(),
		"apikey":   apikeyCommand(),
		"rollup":   rollupCommand(),
		"score":    scoreCommand(),
		"metrics":  metricsCommand(),
		"backtest": backtestCommand(),
		"version":  versionCommand(),
		"console":  consoleCommand(),
		"digest":   digestCommand(),
		"audit":    auditCommand(),
		"sync":     syncCommand(),
		"mcp":      mcpCommand(),
		"ask":      askCommand(),
		"alerts":   alertsCommand(),

		// Scorecard versions (calibrate.go, scorecards.go).
		"calibrate":  calibrateCommand(),
		"scorecards": scorecardsCommand(),
	}
}

// usageError makes run print usage and exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// run executes one command line and returns the process exit code: 0 on
// success, 1 on failure, 2 on a usage error. Help asked for goes to stdout;
// usage errors (and bare healthbot) go to stderr.
func run(ctx context.Context, args []string, s ioStreams, getenv func(string) string) int {
	return runCommands(ctx, commands(), args, s, getenv)
}

// runCommands is run over a given command table.
func runCommands(ctx context.Context, cmds map[string]command, args []string, s ioStreams, getenv func(string) string) int {
	switch {
	case len(args) == 0:
		printUsage(s.err, cmds)
		return 2
	case isHelpArg(args[0]) || args[0] == "help" && len(args) == 1:
		printUsage(s.out, cmds)
		return 0
	case args[0] == "help":
		// healthbot help CMD is healthbot CMD -h.
		return runCommands(ctx, cmds, []string{args[1], "-h"}, s, getenv)
	case args[0] == "--version" || args[0] == "-version":
		fmt.Fprintf(s.out, "healthbot %s\n", buildVersion())
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(s.err, "healthbot: unknown command %q\n\n", args[0])
		printUsage(s.err, cmds)
		return 2
	}
	cfg, err := ParseConfig(getenv)
	if err != nil && !slices.ContainsFunc(args[1:], isHelpArg) {
		fmt.Fprintf(s.err, "healthbot: configuration:\n  %s\n", strings.ReplaceAll(err.Error(), "\n", "\n  "))
		return 1
	}
	// Help needs no configuration: a command parses its flags before it
	// reads any, and -h stops it there.
	e := &env{ioStreams: s, getenv: getenv, cfg: cfg, log: newLogger(s.err, cfg)}
	err = cmd.run(ctx, e, args[1:])
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		printHelp(s.out, args[0], cmd, err)
		return 0
	case errors.As(err, &ue) && len(args) == 2 && isHelpArg(args[1]) && leadingSubcommand(cmd.usage) != "":
		// CMD -h on a command that wants its subcommand first (ask stats):
		// the help of the subcommand its synopsis starts with.
		return runCommands(ctx, cmds, []string{args[0], leadingSubcommand(cmd.usage), "-h"}, s, getenv)
	case errors.As(err, &ue):
		fmt.Fprintf(s.err, "healthbot %s: %s\nusage: healthbot %s\nRun 'healthbot %s -h' for every flag.\n", args[0], ue.msg, cmd.usage, args[0])
		return 2
	default:
		fmt.Fprintf(s.err, "healthbot %s: %v\n", args[0], err)
		return 1
	}
}

// leadingSubcommand is the word a synopsis starts with after the command
// name when it is a plain subcommand ("stats" in "ask stats [--days 30]"),
// else "".
func leadingSubcommand(usage string) string {
	f := strings.Fields(usage)
	if len(f) < 2 || strings.Trim(f[1], "abcdefghijklmnopqrstuvwxyz") != "" {
		return ""
	}
	return f[1]
}

// isHelpArg reports whether a is one of the spellings of -h.
func isHelpArg(a string) bool { return a == "-h" || a == "--help" || a == "-help" }

func printUsage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: healthbot <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'healthbot <command> -h' (or 'healthbot help <command>') for a command's flags,")
	fmt.Fprintln(w, "'healthbot --version' for the build. Configuration comes from environment variables (see README).")
}

// helpError is flag.ErrHelp carrying the flag set that was asked for help,
// so run can print every flag of the command with its description.
type helpError struct{ fs *flag.FlagSet }

func (helpError) Error() string { return flag.ErrHelp.Error() }
func (helpError) Unwrap() error { return flag.ErrHelp }

// printHelp prints a command's synopsis, summary and flags: "--name TYPE"
// and its description, with the default when it is not the zero value.
func printHelp(w io.Writer, name string, cmd command, err error) {
	fmt.Fprintf(w, "usage: healthbot %s\n\n%s\n", cmd.usage, cmd.summary)
	var he helpError
	if !errors.As(err, &he) {
		return
	}
	first := true
	he.fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprintln(w, "\nflags:")
			first = false
		}
		arg, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if arg != "" {
			line += " " + arg
		}
		fmt.Fprintln(w, line)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "      %s\n", usage)
	})
	if first {
		fmt.Fprintf(w, "\n%s takes no flags.\n", name)
	}
}

// flags makes a flag set that reports errors as usage errors instead of
// exiting, so run can print usage and exit 2.
func flags(name string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args and maps flag errors to usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return helpError{fs}
		}
		return usageError{err.Error()}
	}
	return nil
}

// approver is who a decision taken on the command line is recorded as
// (calibrate --apply, scorecards import): --by when given, else "cli:$USER",
// else "cli".
func approver(e *env, by string) string {
	if by != "" {
		return by
	}
	if u := strings.TrimSpace(e.getenv("USER")); u != "" {
		return "cli:" + u
	}
	return "cli"
}

// parseOnlyFlags is parseFlags for a command that takes flags and no
// arguments: any argument left is a usage error. Fifteen commands spelled
// these six lines out each.
func parseOnlyFlags(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

func newLogger(w io.Writer, cfg Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openDB connects to DATABASE_URL and, unless migrate is set, refuses an
// outdated schema; with migrate it brings the schema up to date first.
func openDB(ctx context.Context, e *env, migrate bool) (*pgxpool.Pool, error) {
	if err := e.cfg.RequireDatabase(); err != nil {
		return nil, err
	}
	pool, err := store.Open(ctx, e.cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if migrate {
		if _, err := store.Migrate(ctx, pool); err != nil {
			pool.Close()
			return nil, err
		}
	}
	if err := store.CheckSchema(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// writeJSON prints v as indented JSON, the --json output of every command
// a script reads.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
