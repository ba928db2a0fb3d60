package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// runBare runs one command line without a database and returns the exit
// code, stdout and stderr.
func runBare(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut stringsBuilder
	code := run(context.Background(), args, ioStreams{in: strings.NewReader(""), out: &out, err: &errOut}, envOf(env))
	return code, out.String(), errOut.String()
}

// flagInUsage finds the flags a synopsis names: --as-of, --dry-run, ….
var flagInUsage = regexp.MustCompile(`--([a-z][a-z0-9-]*)`)

// Every command explains itself: CMD -h and help CMD print, on stdout, the
// synopsis and every flag the synopsis names, each with a description.
func TestEveryCommandHelpListsEveryFlagWithItsDescription(t *testing.T) {
	t.Parallel()
	for name, cmd := range commands() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runBare(t, nil, name, "-h")
			require.Equal(t, 0, code, errOut)
			require.Empty(t, errOut)
			require.True(t, strings.HasPrefix(out, "usage: healthbot "+cmd.usage+"\n\n"+cmd.summary+"\n"), out)
			for _, m := range flagInUsage.FindAllStringSubmatch(cmd.usage, -1) {
				require.Regexp(t, `(?m)^  --`+regexp.QuoteMeta(m[1])+`( \S+)?\n      \S.*$`, out, "--%s has a line and a description", m[1])
			}
			code, viaHelp, errOut := runBare(t, nil, "help", name)
			require.Equal(t, 0, code, errOut)
			require.Equal(t, out, viaHelp, "help %s is %s -h", name, name)
		})
	}
}

// Help needs no configuration: a broken environment does not hide it.
func TestHelpWorksWithABrokenConfiguration(t *testing.T) {
	t.Parallel()
	code, out, errOut := runBare(t, map[string]string{"HEALTHBOT_LOG_FORMAT": "xml"}, "score", "-h")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "  --dry-run\n      write nothing")
	code, _, errOut = runBare(t, map[string]string{"HEALTHBOT_LOG_FORMAT": "xml"}, "score")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "HEALTHBOT_LOG_FORMAT")
}

func TestScoreHelpShowsFlagDescriptionsAndDefaults(t *testing.T) {
	t.Parallel()
	code, out, _ := runBare(t, nil, "score", "-h")
	require.Equal(t, 0, code)
	require.Contains(t, out, "  --from string\n      backfill: first day to score, YYYY-MM-DD\n")
	code, out, _ = runBare(t, nil, "ask", "stats", "-h")
	require.Equal(t, 0, code)
	require.Contains(t, out, "  --days int\n      look back this many days (default 30)\n")
}

func TestBareHealthbotPrintsUsageOnStderrAndExits2(t *testing.T) {
	t.Parallel()
	code, out, errOut := runBare(t, nil)
	require.Equal(t, 2, code)
	require.Empty(t, out)
	require.Contains(t, errOut, "usage: healthbot <command> [flags]")
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		code, out, errOut = runBare(t, nil, args...)
		require.Equal(t, 0, code, args)
		require.Empty(t, errOut, args)
		require.Contains(t, out, "usage: healthbot <command> [flags]", args)
	}
}

func TestUsageErrorsGoToStderrWithExit2(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"frobnicate"},
		{"help", "frobnicate"},
		{"score", "--bogus"},
		{"score", "--as-of", "yesterday"},
		{"score", "extra"},
		{"apikey"},
		{"apikey", "list", "extra"},
		{"ask"},
	} {
		code, out, errOut := runBare(t, nil, args...)
		require.Equal(t, 2, code, args)
		require.Empty(t, out, args)
		require.Contains(t, errOut, "usage: healthbot ", args)
	}
	_, _, errOut := runBare(t, nil, "score", "--bogus")
	require.Contains(t, errOut, "healthbot score: flag provided but not defined: -bogus\nusage: healthbot score [")
	require.Contains(t, errOut, "Run 'healthbot score -h' for every flag.")
}

func TestVersionFlag(t *testing.T) {
	t.Parallel()
	_, want, _ := runBare(t, nil, "version")
	require.Regexp(t, `^healthbot \S+\n$`, want)
	for _, flag := range []string{"--version", "-version"} {
		code, out, errOut := runBare(t, nil, flag)
		require.Equal(t, 0, code, flag)
		require.Empty(t, errOut, flag)
		require.Equal(t, want, out, flag)
	}
}

// A command that wants its subcommand first and does not look at -h
// itself (as `alerts stats` was written) still shows its flags: CMD -h is
// the help of the subcommand its synopsis starts with.
func TestHelpOfACommandThatWantsItsSubcommandFirst(t *testing.T) {
	t.Parallel()
	cmds := map[string]command{"report": {
		summary: "report on something",
		usage:   "report stats [--days 30]",
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) == 0 || args[0] != "stats" {
				return usagef("want the subcommand stats")
			}
			fs := flags("report stats", e)
			fs.Int("days", 30, "look back this many days")
			return parseFlags(fs, args[1:])
		},
	}}
	for _, args := range [][]string{{"report", "-h"}, {"help", "report"}, {"report", "stats", "-h"}} {
		var out, errOut stringsBuilder
		code := runCommands(context.Background(), cmds, args, ioStreams{out: &out, err: &errOut}, envOf(nil))
		require.Equal(t, 0, code, "%v: %s", args, errOut.String())
		require.Contains(t, out.String(), "usage: healthbot report stats [--days 30]\n", args)
		require.Contains(t, out.String(), "  --days int\n      look back this many days (default 30)\n", args)
	}
	var out, errOut stringsBuilder
	require.Equal(t, 2, runCommands(context.Background(), cmds, []string{"report"}, ioStreams{out: &out, err: &errOut}, envOf(nil)))
	require.Contains(t, errOut.String(), "want the subcommand stats")
	require.Equal(t, "", leadingSubcommand("import accounts|signals FILE.csv|- [--map csvcol=field]..."))
	require.Equal(t, "", leadingSubcommand("migrate [--status]"))
}
