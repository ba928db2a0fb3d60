package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/console"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/store"
)

func consoleCommand() command {
	return command{
		summary: "type /health commands and see what Slack would show, without Slack",
		usage:   "console [--as SLACK_USER_ID|EMAIL] [--text-charts] [--write]",
		run: func(ctx context.Context, e *env, args []string) error {
			fs := flags("console", e)
			as := fs.String("as", "", "the user you type as: a Slack user id (U123…) or a CSM's email")
			textCharts := fs.Bool("text-charts", false, "draw score history as a text sparkline (as HEALTHBOT_CHARTS=text does)")
			write := fs.Bool("write", false, "let the console write (link --as to its CSM, record who you are); read-only without it")
			if err := parseOnlyFlags(fs, args); err != nil {
				return err
			}
			pool, err := openDB(ctx, e, false)
			if err != nil {
				return err
			}
			defer pool.Close()
			st := store.New(pool)
			var hs health.HealthStore = readOnlyStore{st}
			if *write {
				hs = st
			}
			h := health.NewHealth(hs, e.log, time.Now)
			h.TextCharts = *textCharts || e.cfg.Charts == "text"
			h.TextTables = true // a terminal shows lists as text, not data tables
			h.Location = e.cfg.TimeZone
			user, dir, err := consoleUser(ctx, st, *as)
			if err != nil {
				return err
			}
			h.Directory = dir
			h.Questioner = questioner(e.cfg, st, nil, nil, e.log)
			names, err := csmNames(ctx, st)
			if err != nil {
				return err
			}
			r := &console.REPL{Handler: h, Home: h, As: user, In: e.in, Out: e.out, Log: e.log, Names: names}
			if isTerminal(e.out) {
				r.Prompt = "healthbot> "
				fmt.Fprintf(e.out, "healthbot console as %s — type /health help, or help for the console, Ctrl-D to leave.\n", user.UserName)
			}
			return r.Run(ctx)
		},
	}
}

// consoleUser turns --as into the Request user. An email that belongs to a
// CSM without a Slack id is answered through a directory, as Slack's
// users.info would.
func consoleUser(ctx context.Context, st *store.Store, as string) (bot.Request, health.UserDirectory, error) {
	req := bot.Request{UserID: "U0CONSOLE", UserName: "console", ChannelID: "console"}
	switch {
	case as == "":
		return req, nil, nil
	case !strings.Contains(as, "@"):
		req.UserID, req.UserName = as, as
		return req, nil, nil
	}
	req.UserName = as
	c, err := st.CSMByEmail(ctx, as)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return req, nil, usagef("--as %s: no CSM has that email", as)
	case err != nil:
		return req, nil, err
	case c.SlackUserID != "":
		req.UserID = c.SlackUserID
		return req, nil, nil
	}
	return req, emailDirectory{req.UserID: as}, nil
}

// readOnlyStore is the console's store unless --write: it reads, and
// writes nothing. Linking --as to its CSM happens for the session only (a
// "U0CONSOLE" CSM must never become the owner of real accounts).
type readOnlyStore struct{ *store.Store }

func (s readOnlyStore) EnsureCSM(ctx context.Context, email, slackID, name string) (int64, error) {
	if email != "" {
		if c, err := s.CSMByEmail(ctx, email); err == nil {
			return c.ID, nil
		}
	}
	return 0, healthbot.Errorf(healthbot.EFORBIDDEN, "The console is read-only; start it with --write to record this.")
}

// csmNames maps each CSM's Slack id to their name, so the console prints
// "Owner: @Maya Chen" where Slack would show the person, not "@U0DEMO02".
func csmNames(ctx context.Context, st *store.Store) (map[string]string, error) {
	csms, err := st.CSMs(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(csms))
	for _, c := range csms {
		if c.SlackUserID != "" && c.Name != "" {
			names[c.SlackUserID] = c.Name
		}
	}
	return names, nil
}

// emailDirectory answers users.info's email for the console user.
type emailDirectory map[string]string

func (d emailDirectory) UserEmail(_ context.Context, user string) (string, error) {
	return d[user], nil
}
