package main

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/healthbot/healthbot/ingest/demo"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

func demoCommand() command {
	return command{
		summary: "seed a sample portfolio and show what the team would see",
		usage:   "demo [--seed N] [--accounts N] [--as-of YYYY-MM-DD] [--slack-user U…] [--migrate] [--reset]",
		run:     runDemo,
	}
}

// demoOptions are demo's flags, parsed.
type demoOptions struct {
	seed     int64
	accounts int
	asOf     time.Time
	migrate  bool
	reset    bool
	// slackUser is the Slack user who plays the first demo CSM, so a bot
	// run on the demo DMs them the pulse and owner alerts.
	slackUser string
}

// slackUserID is what a Slack user id looks like (U…, or W… on Enterprise Grid).
var slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

func parseDemoFlags(e *env, args []string) (demoOptions, error) {
	fs := flags("demo", e)
	seed := fs.Int64("seed", 1, "random seed; the same seed gives the same portfolio")
	accounts := fs.Int("accounts", demo.DefaultAccounts, "number of accounts")
	asOf := fs.String("as-of", "", "the day the history runs up to, YYYY-MM-DD (default: today)")
	migrate := fs.Bool("migrate", false, "apply pending migrations first")
	reset := fs.Bool("reset", false, "delete ALL accounts, CSMs, signals, pulses, scores and alerts first, even if they are not demo data")
	slackUser := fs.String("slack-user", "", "your Slack user id (U…): you play the first demo CSM, so the bot run on the demo DMs you")
	if err := parseFlags(fs, args); err != nil {
		return demoOptions{}, err
	}
	if fs.NArg() > 0 {
		return demoOptions{}, usagef("unexpected argument %q", fs.Arg(0))
	}
	if *accounts < 1 || *accounts > demo.MaxAccounts {
		return demoOptions{}, usagef("--accounts must be between 1 and %d, got %d", demo.MaxAccounts, *accounts)
	}
	if *slackUser != "" && !slackUserID.MatchString(*slackUser) {
		return demoOptions{}, usagef("--slack-user %q is not a Slack user id like U012AB3CD (Slack: your profile → ⋮ → Copy member ID)", *slackUser)
	}
	o := demoOptions{seed: *seed, accounts: *accounts, migrate: *migrate, reset: *reset, slackUser: *slackUser}
	if *asOf == "" {
		y, m, d := time.Now().In(e.cfg.TimeZone).Date()
		o.asOf = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return o, nil
	}
	t, err := time.Parse(time.DateOnly, *asOf)
	if err != nil {
		return demoOptions{}, usagef("--as-of %q is not a date like 2026-11-30", *asOf)
	}
	o.asOf = t
	return o, nil
}

// runDemo generates the sample portfolio, loads it in one transaction and
// prints what is now stored; with Slack configured it then runs the bot on
// it until interrupted, like serve.
func runDemo(ctx context.Context, e *env, args []string) error {
	o, err := parseDemoFlags(e, args)
	if err != nil {
		return err
	}
	pool, err := openDB(ctx, e, o.migrate)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)

	started := time.Now()
	p, err := demo.Generate(demo.Config{Seed: o.seed, Accounts: o.accounts, AsOf: o.asOf})
	if err != nil {
		return err
	}
	cast := o.slackUser != "" && len(p.CSMs) > 0
	if cast {
		p.CSMs[0].SlackUserID = o.slackUser
	}
	generated := time.Since(started)
	res, err := st.LoadDemo(ctx, store.DemoData{CSMs: p.CSMs, Accounts: p.Accounts, Signals: p.Signals, Pulses: p.Pulses}, o.reset)
	if err != nil {
		return err
	}
	loaded := time.Since(started) - generated
	e.log.Debug("demo portfolio loaded", "seed", o.seed, "accounts", res.Accounts, "signals", res.Signals,
		"pulses", res.Pulses, "removed_accounts", res.RemovedAccounts, "generate", generated.Round(time.Millisecond),
		"load", loaded.Round(time.Millisecond))
	fmt.Fprintf(e.out, "Loaded the demo: %s accounts, %d CSMs, %s signals and %s pulses in %.1fs.\n",
		thousands(res.Accounts), res.CSMs, thousands(res.Signals), thousands(res.Pulses), (generated + loaded).Seconds())
	if res.RemovedAccounts > 0 {
		fmt.Fprintf(e.out, "It replaced the previous portfolio of %s accounts.\n", thousands(res.RemovedAccounts))
	}
	if cast {
		fmt.Fprintf(e.out, "You (<@%s>) play %s, the owner of %d accounts.\n", o.slackUser, p.CSMs[0].Name, ownedBy(p.Accounts, p.CSMs[0].ID))
	}
	if err := seedCSMWeek(ctx, st, o.asOf); err != nil { // an away CSM and touchpoints (#17)
		return err
	}
	if err := (demoReport{st: st, w: e.out, seed: o.seed, asOf: o.asOf}).print(ctx); err != nil {
		return err
	}
	if !e.cfg.SlackEnabled() {
		fmt.Fprint(e.out, "\nWith SLACK_BOT_TOKEN (and SLACK_APP_TOKEN or SLACK_SIGNING_SECRET) set, `healthbot demo`\n"+
			"goes on to run the bot on this portfolio; add --slack-user with your Slack member id to\n"+
			"play the first demo CSM and get their pulse and alert DMs.\n")
		return nil
	}
	pool.Close() // Main opens its own
	return serveUntilDone(ctx, e, false, func(m *Main) {
		fmt.Fprintf(e.out, "\nThe bot is running on the demo portfolio (HTTP on %s). Try `/health at-risk`\n"+
			"or `/health help` in Slack; Ctrl-C stops it.\n", m.Addr())
	})
}

// ownedBy counts the accounts a CSM owns.
func ownedBy(accounts []scoring.Account, csmID int64) int {
	n := 0
	for _, a := range accounts {
		if a.OwnerID == csmID {
			n++
		}
	}
	return n
}
