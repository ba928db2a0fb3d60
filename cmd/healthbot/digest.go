package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/console"
	"github.com/healthbot/healthbot/store"
)

func digestCommand() command {
	return command{
		summary: "print the Monday digest as Slack would show it, or post it (--post)",
		usage:   "digest [--as-of YYYY-MM-DD] [--post | --json]",
		run:     runDigest,
	}
}

// digestMoment is the digest's moment: the day at HEALTHBOT_DIGEST_AT's
// time of day in HEALTHBOT_TIMEZONE (any weekday), or now.
func digestMoment(cfg Config, asOf string, now time.Time) (time.Time, error) {
	if asOf == "" {
		return now.In(cfg.TimeZone), nil
	}
	d, err := time.Parse(time.DateOnly, asOf)
	if err != nil {
		return time.Time{}, usagef("--as-of %q is not a date like 2026-11-30", asOf)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), cfg.DigestAt.Hour, cfg.DigestAt.Minute, 0, 0, cfg.TimeZone), nil
}

func runDigest(ctx context.Context, e *env, args []string) error {
	fs := flags("digest", e)
	asOf := fs.String("as-of", "", "the digest's day, YYYY-MM-DD, at HEALTHBOT_DIGEST_AT's time (default: now)")
	post := fs.Bool("post", false, "post it to HEALTHBOT_DIGEST_CHANNEL (needs SLACK_BOT_TOKEN) instead of printing it")
	asJSON := fs.Bool("json", false, "print the digest's figures as one JSON object instead of as Slack would show it")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *post && *asJSON {
		return usagef("--post and --json exclude each other")
	}
	at, err := digestMoment(e.cfg, *asOf, time.Now())
	if err != nil {
		return err
	}
	if *post && (!e.cfg.SlackEnabled() || e.cfg.DigestChannel == "") {
		return errors.New("digest --post needs SLACK_BOT_TOKEN and HEALTHBOT_DIGEST_CHANNEL")
	}
	pool, err := openDB(ctx, e, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	if *asJSON {
		d, _, err := newDigest(e.cfg, st, nil, nil, nil).Build(ctx, at)
		if err != nil {
			return err
		}
		return writeJSON(e.out, newDigestJSON(d))
	}
	if !*post {
		return printDigest(ctx, e.out, e.cfg, st, at)
	}
	api := bot.NewSlackClient(bot.SlackConfig{BotToken: e.cfg.SlackBotToken, APIURL: e.cfg.SlackAPIURL}, e.log)
	res, err := newDigest(e.cfg, st, api, guardFor(api), e.log).Post(ctx, at)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "Posted the digest of %s to %s (ts %s).\n", res.Digest.Week, res.ChannelID, res.TS)
	return nil
}

// printDigest renders the digest of the moment at as text, charts as
// sparklines.
func printDigest(ctx context.Context, w io.Writer, cfg Config, st *store.Store, at time.Time) error {
	cfg.Charts = "text"
	_, msg, err := newDigest(cfg, st, nil, nil, nil).Build(ctx, at)
	if err != nil {
		return err
	}
	_, err = console.Render(w, msg.Blocks)
	return err
}

// digest is the demo's last section: the Monday digest of the portfolio
// just scored, as `healthbot digest` prints it.
func (r demoReport) digest(ctx context.Context) error {
	r.heading("The Monday digest (healthbot digest)")
	ww := &wrapWriter{w: r.w, width: reportWidth, indent: "  "}
	cfg := Config{TimeZone: time.UTC, DigestAt: WeeklyTime{Weekday: time.Monday, Hour: 9}}
	at, _ := digestMoment(cfg, r.asOf.Format(time.DateOnly), r.asOf)
	if err := printDigest(ctx, ww, cfg, r.st, at); err != nil {
		return err
	}
	return ww.Close()
}
