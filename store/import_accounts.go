package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// AccountRow is one account to import; Line locates it in its source file.
// Zero dates mean "none"; Attributes is a JSON object merged into the
// stored attributes.
type AccountRow struct {
	Line                              int64
	ExternalID, Name, Domain, Segment string
	OwnerEmail, OwnerSlackID, Plan    string
	MRR                               float64
	Seats                             int32
	RenewalDate, StartedAt, ChurnedAt time.Time
	Attributes                        []byte
}

// AccountFields are the account fields an import can set, by name.
var AccountFields = []string{
	"external_id", "name", "domain", "segment", "owner_email", "owner_slack_id",
	"plan", "mrr", "seats", "renewal_date", "started_at", "churned_at",
}

// AccountSource streams account rows like SignalSource does. Fields lists
// the AccountFields the source carries: an update sets those and leaves the
// others alone, so a file with only external_id,name,mrr keeps the rest.
type AccountSource interface {
	Next(row *AccountRow) bool
	Err() error
	ColumnName(field string) string
	Fields() []string
}

// InsertOnlySource is an AccountSource some of whose Fields are set only on
// the accounts an import creates (a connector's name for an account that
// another source already names).
type InsertOnlySource interface {
	InsertOnly() []string
}

// accountCopy adapts an AccountSource to pgx's CopyFromSource. Accounts are
// few, so it boxes values per row for the NULL dates' sake.
type accountCopy struct {
	src AccountSource
	row AccountRow
}

func (c *accountCopy) Next() bool { return c.src.Next(&c.row) }
func (c *accountCopy) Err() error { return c.src.Err() }

func (c *accountCopy) Values() ([]any, error) {
	r := &c.row
	attrs := r.Attributes
	if len(attrs) == 0 {
		attrs = []byte("{}")
	}
	return []any{
		r.Line, r.ExternalID, r.Name, r.Domain, r.Segment,
		strings.ToLower(strings.TrimSpace(r.OwnerEmail)), strings.TrimSpace(r.OwnerSlackID), r.Plan,
		r.MRR, r.Seats, nullDate(r.RenewalDate), nullDate(r.StartedAt), nullDate(r.ChurnedAt), attrs,
	}, nil
}

func nullDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

var accountStagingColumns = []string{
	"line", "external_id", "name", "domain", "segment", "owner_email", "owner_slack", "plan",
	"mrr", "seats", "renewal_date", "started_at", "churned_at", "attributes",
}

const createAccountStaging = `CREATE TEMP TABLE import_account (
	line bigint NOT NULL, external_id text NOT NULL, name text NOT NULL, domain text NOT NULL,
	segment text NOT NULL, owner_email text NOT NULL, owner_slack text NOT NULL, plan text NOT NULL,
	mrr float8 NOT NULL, seats int4 NOT NULL, renewal_date date, started_at date, churned_at date,
	attributes jsonb NOT NULL
) ON COMMIT DROP`

// ImportAccounts streams src into a staging table with COPY, then in the same
// transaction creates the owners it names and upserts the accounts by
// external id (the last line wins when an id repeats). Any bad row means
// nothing is written.
func (s *Store) ImportAccounts(ctx context.Context, src AccountSource) (ImportSummary, error) {
	var sum ImportSummary
	fields := src.Fields()
	err := s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.db.Exec(ctx, createAccountStaging); err != nil {
			return fmt.Errorf("create staging table: %w", err)
		}
		n, err := tx.db.CopyFrom(ctx, pgx.Identifier{"import_account"}, accountStagingColumns, &accountCopy{src: src})
		if err != nil {
			return copyError(src, err)
		}
		sum.Read = n
		owned := slices.Contains(fields, "owner_email") || slices.Contains(fields, "owner_slack_id")
		if owned {
			if err := tx.ensureImportOwners(ctx); err != nil {
				return err
			}
		}
		var insertOnly []string
		if io, ok := src.(InsertOnlySource); ok {
			insertOnly = io.InsertOnly()
		}
		err = tx.db.QueryRow(ctx, mergeAccountsSQL(fields, insertOnly, owned)).Scan(&sum.Inserted, &sum.Updated)
		if err != nil {
			return fmt.Errorf("merge accounts: %w", err)
		}
		sum.Unchanged = sum.Read - sum.Inserted - sum.Updated
		_, err = tx.db.Exec(ctx, "DROP TABLE import_account")
		return err
	})
	return sum, err
}

// importOwnerPairs is each (email, Slack id) the file pairs, at most once per
// email and once per Slack id (the first line wins), so no step below can
// give two CSMs the same email or Slack id.
const importOwnerPairs = `(SELECT DISTINCT ON (email) email, slack FROM (
	SELECT DISTINCT ON (owner_slack) owner_email AS email, owner_slack AS slack, line
	FROM import_account WHERE owner_email <> '' AND owner_slack <> '' ORDER BY owner_slack, line
) p ORDER BY email, line)`

// ensureImportOwners finds or creates, set-based, a CSM for every owner the
// staged accounts name: by email when given, else by Slack id. Known fields
// are filled in, never overwritten.
func (s *Store) ensureImportOwners(ctx context.Context) error {
	steps := []string{
		// A Slack-only CSM the file names with an email gets that email.
		`UPDATE csm SET email = o.email, updated_at = now() FROM ` + importOwnerPairs + ` o
		 WHERE csm.slack_user_id = o.slack AND csm.email IS NULL
		   AND NOT EXISTS (SELECT 1 FROM csm c WHERE lower(c.email) = o.email)`,
		// Unknown emails become CSMs.
		`INSERT INTO csm (email) SELECT DISTINCT s.owner_email FROM import_account s
		 WHERE s.owner_email <> '' AND NOT EXISTS (SELECT 1 FROM csm c WHERE lower(c.email) = s.owner_email)`,
		// CSMs known by email get the Slack id the file pairs them with, if it is free.
		`UPDATE csm SET slack_user_id = o.slack, updated_at = now() FROM ` + importOwnerPairs + ` o
		 WHERE csm.id = (SELECT min(c.id) FROM csm c WHERE lower(c.email) = o.email)
		   AND csm.slack_user_id IS NULL
		   AND NOT EXISTS (SELECT 1 FROM csm c WHERE c.slack_user_id = o.slack)`,
		// Owners named only by Slack id become CSMs.
		`INSERT INTO csm (slack_user_id) SELECT DISTINCT s.owner_slack FROM import_account s
		 WHERE s.owner_email = '' AND s.owner_slack <> ''
		   AND NOT EXISTS (SELECT 1 FROM csm c WHERE c.slack_user_id = s.owner_slack)`,
	}
	for _, q := range steps {
		if _, err := s.db.Exec(ctx, q); err != nil {
			return fmt.Errorf("create owners: %w", err)
		}
	}
	return nil
}

// importOwnerID resolves a staged row's owner: by email when given, else by
// Slack id; blank owner columns make the account unowned.
const importOwnerID = `CASE
	WHEN s.owner_email <> '' THEN (SELECT min(c.id) FROM csm c WHERE lower(c.email) = s.owner_email)
	WHEN s.owner_slack <> '' THEN (SELECT c.id FROM csm c WHERE c.slack_user_id = s.owner_slack)
END`

// accountColumns maps the importable plain fields to their staged value.
var accountColumns = []struct{ field, expr string }{
	{"name", "s.name"}, {"domain", "s.domain"}, {"segment", "s.segment"}, {"plan", "s.plan"},
	{"mrr", "s.mrr::numeric(14, 2)"}, {"seats", "s.seats"}, {"renewal_date", "s.renewal_date"},
	{"started_at", "s.started_at"}, {"churned_at", "s.churned_at"},
}

// mergeAccountsSQL builds the upsert for the fields the file carries (names
// come from accountColumns, never from the file). A stored account is
// rewritten only when something changed; insertOnly fields are left alone.
func mergeAccountsSQL(fields, insertOnly []string, owned bool) string {
	cols, exprs := []string{"external_id"}, []string{"s.external_id"}
	var sets, olds, news []string
	add := func(col, expr string) {
		cols, exprs = append(cols, col), append(exprs, expr)
		if slices.Contains(insertOnly, col) {
			return
		}
		sets = append(sets, col+" = EXCLUDED."+col)
		olds, news = append(olds, "t."+col), append(news, "EXCLUDED."+col)
	}
	for _, c := range accountColumns {
		if slices.Contains(fields, c.field) {
			add(c.field, c.expr)
		}
	}
	if owned {
		add("owner_id", importOwnerID)
	}
	changed := "NOT t.attributes @> EXCLUDED.attributes"
	if len(olds) > 0 {
		changed = fmt.Sprintf("ROW(%s) IS DISTINCT FROM ROW(%s) OR %s",
			strings.Join(olds, ", "), strings.Join(news, ", "), changed)
	}
	sets = append(sets, "attributes = t.attributes || EXCLUDED.attributes", "updated_at = now()")
	return fmt.Sprintf(`WITH merged AS (
	INSERT INTO account AS t (%s, attributes)
	SELECT %s, s.attributes
	FROM (SELECT DISTINCT ON (external_id) * FROM import_account ORDER BY external_id, line DESC) s
	ON CONFLICT (external_id) DO UPDATE SET %s
	WHERE %s
	RETURNING (t.xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged`,
		strings.Join(cols, ", "), strings.Join(exprs, ", "), strings.Join(sets, ", "), changed)
}
