package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/ingest/connector"
	"github.com/healthbot/healthbot/store"
)

func syncCommand() command {
	return command{
		summary: "sync accounts and signals from Stripe, HubSpot or SQL queries",
		usage: "sync stripe|hubspot|sql [NAME...] [--full]\n       healthbot sync status\n\n" +
			"  stripe   STRIPE_API_KEY; customers → accounts, mrr, seats, late invoices\n" +
			"  hubspot  HUBSPOT_TOKEN; companies → accounts, tickets → support_tickets, closed-won deals → renewals\n" +
			"  sql      the queries of HEALTHBOT_SOURCES (all, or those NAMEd)\n" +
			"  --full   start from the beginning instead of the stored cursor\n" +
			"  status   each source's last run, cursor and error",
		run: runSync,
	}
}

func runSync(ctx context.Context, e *env, args []string) error {
	fs := flags("sync", e)
	full := fs.Bool("full", false, "ignore the stored cursor and read everything")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("say what to sync: stripe, hubspot, sql or status")
	}
	kind := pos[0]
	if kind == "status" {
		if len(pos) > 1 || *full {
			return usagef("status takes no arguments")
		}
		return syncStatus(ctx, e)
	}
	sources, err := syncSources(e.cfg, kind, pos[1:])
	if err != nil {
		return err
	}
	pool, err := openDB(ctx, e, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	var errs []error
	for _, src := range sources {
		prog := newProgress(e.err, isTerminal(e.err), 0, nil, time.Now)
		r := syncRunner(e.cfg, st, nil, e.log)
		r.Progress = prog.set
		sum, err := r.Run(ctx, src, *full)
		prog.clear()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintln(e.out, sum.String())
	}
	return errors.Join(errs...)
}

// syncRunner is the runner every sync uses, from the CLI or serve.
func syncRunner(cfg Config, st *store.Store, clock clockwork.Clock, log *slog.Logger) *connector.Runner {
	return &connector.Runner{Store: st, Clock: clock, Instance: instanceName(cfg.Instance), Logger: log.With("component", "sync")}
}

// syncSources builds the sources a `sync KIND [NAME...]` names, or says
// which variable to set.
func syncSources(cfg Config, kind string, names []string) ([]connector.Source, error) {
	switch kind {
	case "stripe", "hubspot":
		if len(names) > 0 {
			return nil, usagef("%s takes no names", kind)
		}
		if why := connectorOff(cfg, kind); why != "" {
			return nil, errors.New(why)
		}
		return []connector.Source{newConnector(cfg, kind, "", nil)}, nil
	case "sql":
		if len(cfg.SQLSources) == 0 {
			return nil, errors.New(connectorOff(cfg, "sql"))
		}
		var out []connector.Source
		for _, q := range cfg.SQLSources {
			if len(names) == 0 || slices.Contains(names, q.Name) {
				out = append(out, newConnector(cfg, "sql", q.Name, nil))
			}
		}
		for _, n := range names {
			if !hasQuery(cfg.SQLSources, n) {
				return nil, fmt.Errorf("HEALTHBOT_SOURCES has no query named %q", n)
			}
		}
		return out, nil
	}
	return nil, usagef("cannot sync %q: want stripe, hubspot, sql or status", kind)
}

// connectorOff says why a connector is not configured, or "".
func connectorOff(cfg Config, kind string) string {
	switch {
	case kind == "stripe" && cfg.StripeAPIKey == "":
		return "STRIPE_API_KEY is not set: create a restricted key with read access to Customers, Subscriptions, Invoices and Events"
	case kind == "hubspot" && cfg.HubSpotToken == "":
		return "HUBSPOT_TOKEN is not set: create a private app (scopes in the README) and set its access token"
	case kind == "sql" && len(cfg.SQLSources) == 0:
		return "HEALTHBOT_SOURCES is not set: point it at a YAML file listing your warehouse queries"
	}
	return ""
}

// newConnector builds a fresh source (sources keep per-run state); clock
// (nil: the real one) dates the day's Stripe signals and paces HubSpot.
func newConnector(cfg Config, kind, query string, clock clockwork.Clock) connector.Source {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	switch kind {
	case "stripe":
		return connector.NewStripeSource(connector.StripeConfig{APIKey: cfg.StripeAPIKey, APIURL: cfg.StripeAPIURL, Match: cfg.StripeMatch, Now: clock.Now})
	case "hubspot":
		return connector.NewHubSpotSource(connector.HubSpotConfig{Token: cfg.HubSpotToken, APIURL: cfg.HubSpotAPIURL, Map: cfg.HubSpotMap, Clock: clock})
	}
	for _, q := range cfg.SQLSources {
		if q.Name == query {
			return &connector.SQLSource{Q: q}
		}
	}
	return nil
}

func hasQuery(qs []connector.SQLQuery, name string) bool {
	for _, q := range qs {
		if q.Name == name {
			return true
		}
	}
	return false
}

// syncStatus lists each source: configured ones first seen or not, with
// its last run, cursor and error.
func syncStatus(ctx context.Context, e *env) error {
	pool, err := openDB(ctx, e, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	states, err := store.New(pool).SyncStates(ctx)
	if err != nil {
		return err
	}
	writeSyncStatus(e.out, configuredSources(e.cfg), states)
	return nil
}

// configuredSources names every source the configuration turns on.
func configuredSources(cfg Config) []string {
	var out []string
	for _, k := range []string{"stripe", "hubspot"} {
		if connectorOff(cfg, k) == "" {
			out = append(out, k)
		}
	}
	for _, q := range cfg.SQLSources {
		out = append(out, connector.SQLSourceName(q.Name))
	}
	return out
}

func writeSyncStatus(w io.Writer, configured []string, states []store.SyncState) {
	byName := map[string]store.SyncState{}
	for _, s := range states {
		byName[s.Name] = s
	}
	names := append([]string(nil), configured...)
	for _, s := range states {
		if !slices.Contains(names, s.Name) {
			names = append(names, s.Name)
		}
	}
	if len(names) == 0 {
		fmt.Fprintln(w, "no sources: set STRIPE_API_KEY, HUBSPOT_TOKEN or HEALTHBOT_SOURCES (see README, Connect your data)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tLAST RUN\tSTATE\tCURSOR\tLAST RESULT")
	for _, n := range names {
		s, ok := byName[n]
		if !ok {
			fmt.Fprintf(tw, "%s\tnever\t-\t-\t-\n", n)
			continue
		}
		state, result := "ok", s.LastSummary
		switch {
		case s.RunBy != "":
			state = "running on " + s.RunBy
		case s.LastError != "":
			state, result = "failed", s.LastError
		case s.LastFinished.IsZero():
			state = "-"
		}
		cursor := connector.DescribeCursor(n, s.Cursor)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", n, when(s.LastStarted), state, cursor, strings.ReplaceAll(result, "\n", " "))
	}
	_ = tw.Flush()
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// syncJobs schedules every configured sync every HEALTHBOT_SYNC_INTERVAL,
// each claiming its job_run slot like every job, so two replicas run it once.
func (m *Main) syncJobs() []scheduledJob {
	var jobs []scheduledJob
	add := func(kind, query, name string) {
		j := scheduledJob{Job: app.Job{Name: "sync:" + name, Cadence: app.Every{Interval: m.Config.SyncInterval}, CatchUp: m.Config.SyncInterval}}
		if why := connectorOff(m.Config, kind); why != "" {
			j.Off = why
		}
		log := m.Logger.With("component", "sync", "source", name)
		j.Run = func(ctx context.Context, occ time.Time) error {
			sum, err := syncRunner(m.Config, m.store, m.Clock, m.Logger).Run(ctx, newConnector(m.Config, kind, query, m.Clock), false)
			if err != nil {
				return err
			}
			log.InfoContext(ctx, "sync done", "summary", sum.String(), "took", sum.Took.Round(time.Millisecond))
			return nil
		}
		jobs = append(jobs, j)
	}
	add("stripe", "", "stripe")
	add("hubspot", "", "hubspot")
	for _, q := range m.Config.SQLSources {
		add("sql", q.Name, connector.SQLSourceName(q.Name))
	}
	return jobs
}
