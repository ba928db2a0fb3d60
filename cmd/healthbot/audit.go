package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/store"
)

func auditCommand() command {
	return command{
		summary: "who looked at which account through Slack, and who was refused",
		usage:   "audit [--account NAME|ID] [--user SLACK_USER_ID] [--since 7d|YYYY-MM-DD] [--limit N]",
		run:     runAudit,
	}
}

func runAudit(ctx context.Context, e *env, args []string) error {
	fs := flags("audit", e)
	account := fs.String("account", "", "only views of this account (name, domain, external id or id)")
	user := fs.String("user", "", "only this Slack user id (U…)")
	since := fs.String("since", "7d", "from this long ago (30d, 12h) or this day (YYYY-MM-DD)")
	limit := fs.Int("limit", 200, "at most this many rows, newest first")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	from, err := auditSince(*since, time.Now())
	if err != nil {
		return err
	}
	if *limit <= 0 {
		return usagef("--limit %d: want a positive number", *limit)
	}
	pool, err := openDB(ctx, e, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	q := store.AccessQuery{Since: from, UserID: strings.TrimSpace(*user), Limit: *limit}
	if *account != "" {
		if q.AccountID, err = auditAccount(ctx, st, *account); err != nil {
			return err
		}
	}
	rows, err := st.AccessLog(ctx, q)
	if err != nil {
		return err
	}
	names, err := accountNames(ctx, st)
	if err != nil {
		return err
	}
	return printAudit(e.out, rows, names)
}

// auditSince reads --since: "30d", "12h" back from now, or a day.
func auditSince(v string, now time.Time) (time.Time, error) {
	if d, ok := parseDays(v); ok {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("--since %q: want a span like 7d or 12h, or a day like 2026-12-01", v)
}

// auditAccount resolves --account to one account id, as /health would.
func auditAccount(ctx context.Context, st *store.Store, name string) (int64, error) {
	res, err := health.NewLookup(st, time.Now).Find(ctx, name)
	if err != nil {
		return 0, err
	}
	if e, ok := res.One(); ok {
		return e.ID, nil
	}
	if id, err := strconv.ParseInt(name, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	if len(res.Matches) > 1 {
		return 0, usagef("--account %q matches %d accounts; give its id or external id", name, len(res.Matches))
	}
	return 0, usagef("--account %q: no such account", name)
}

func accountNames(ctx context.Context, st *store.Store) (map[int64]string, error) {
	es, err := st.LookupEntries(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(es))
	for _, e := range es {
		out[e.ID] = e.Name
	}
	return out, nil
}

func printAudit(w io.Writer, rows []store.AccessRecord, names map[int64]string) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "No access recorded for that.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME (UTC)\tUSER\tTEAM\tSURFACE\tCHANNEL\tDECISION\tACCOUNTS")
	for _, r := range rows {
		decision := "allowed"
		if !r.Allowed {
			decision = "refused: " + r.Reason
		}
		accts := make([]string, len(r.AccountIDs))
		for i, id := range r.AccountIDs {
			if n, ok := names[id]; ok {
				accts[i] = n
			} else {
				accts[i] = "#" + strconv.FormatInt(id, 10)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.At.UTC().Format("2006-01-02 15:04:05"), r.UserID,
			dash(r.TeamID), r.Surface, dash(r.ChannelID), decision, dash(strings.Join(accts, ", ")))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// auditRetentionAt is when, in HEALTHBOT_TIMEZONE, audit rows older than
// HEALTHBOT_AUDIT_RETENTION are deleted: a quiet hour.
var auditRetentionAt = struct{ Hour, Minute int }{3, 15}

// auditRetentionJob deletes access audit rows past HEALTHBOT_AUDIT_RETENTION
// once a day.
func (m *Main) auditRetentionJob() scheduledJob {
	log := m.Logger.With("component", "access")
	return scheduledJob{Job: app.Job{
		Name:    "audit-retention",
		Cadence: app.Daily{Hour: auditRetentionAt.Hour, Minute: auditRetentionAt.Minute, Loc: m.Config.TimeZone},
		Run: func(ctx context.Context, occ time.Time) error {
			before := m.now().Add(-m.Config.AuditRetention)
			n, err := m.store.PruneAccessLog(ctx, before)
			if err != nil {
				return err
			}
			log.InfoContext(ctx, "access audit pruned", "deleted", n, "before", before.Format(time.DateOnly))
			return nil
		},
	}}
}
