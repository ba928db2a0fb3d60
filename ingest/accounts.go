package ingest

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// accountFields are the fields of one /v1/accounts item. Absent fields keep
// what is stored; null clears them; attributes merge key by key (a null
// value deletes a key).
var accountFields = []string{
	"external_id", "name", "domain", "segment", "outcome", "owner_email", "owner_slack_id",
	"plan", "mrr", "seats", "renewal_date", "started_at", "churned_at", "attributes",
}

// AccountPatch is one parsed /v1/accounts item: the fields it sets.
type AccountPatch struct {
	ExternalID string
	strs       map[string]*string // domain, segment, outcome, plan, name; nil value: clear
	owner      *ownerRef          // nil: keep the owner
	mrr        *float64
	seats      *int
	dates      map[string]*time.Time // nil value: clear
	attrs      map[string]any        // nil value: delete the key
	clearAttrs bool
}

// ownerRef names the owning CSM; both empty clears the owner.
type ownerRef struct{ Email, SlackID string }

// ParseAccounts validates a /v1/accounts body. Problems name each bad item.
func ParseAccounts(body []byte, maxItems int, now time.Time) ([]AccountPatch, []ItemError, *healthbot.Error) {
	raws, aerr := decodeEnvelope(body, "accounts", maxItems)
	if aerr != nil {
		return nil, nil, aerr
	}
	var p problems
	out := make([]AccountPatch, len(raws))
	for i, raw := range raws {
		out[i] = p.account(i, raw, now)
	}
	return out, p, nil
}

func (p *problems) account(i int, raw json.RawMessage, now time.Time) AccountPatch {
	it, _ := p.decodeRaw(i, raw, accountFields...)
	a := AccountPatch{strs: map[string]*string{}, dates: map[string]*time.Time{}}
	if it == nil {
		return a
	}
	before := len(*p)
	p.field(i, it, "external_id", &a.ExternalID, "a string")
	if len(*p) == before {
		p.text(i, "external_id", a.ExternalID, true, valid.ExternalID)
	}
	for _, f := range []string{"name", "domain", "segment", "outcome", "plan"} {
		var v string
		present, null := p.field(i, it, f, &v, "a string")
		switch {
		case f == "name" && present && (null || strings.TrimSpace(v) == ""):
			p.add(i, f, "cannot be empty")
		case present:
			p.text(i, f, v, false, map[bool]valid.Field{true: valid.AccountName, false: valid.AccountText}[f == "name"])
			a.strs[f] = &v
		}
	}
	a.owner = p.owner(i, it)
	p.numbers(i, it, &a)
	for _, f := range []string{"renewal_date", "started_at", "churned_at"} {
		var v string
		present, null := p.field(i, it, f, &v, "a date like 2026-03-02")
		switch {
		case null:
			a.dates[f] = nil
		case present:
			policy := valid.Happened
			if f == "renewal_date" {
				policy = valid.Planned
			}
			if t := p.timeFieldBy(i, f, v, true, now, policy); !t.IsZero() {
				d := t.Truncate(24 * time.Hour)
				a.dates[f] = &d
			}
		}
	}
	if present, null := p.field(i, it, "attributes", &a.attrs, "an object"); present && null {
		a.clearAttrs = true
	}
	if why := valid.JSON(map[string]any(a.attrs)); why != "" {
		p.add(i, "attributes", "%s", why)
	}
	return a
}

func (p *problems) owner(i int, it rawItem) *ownerRef {
	var o ownerRef
	ep, _ := p.field(i, it, "owner_email", &o.Email, "a string")
	sp, _ := p.field(i, it, "owner_slack_id", &o.SlackID, "a string")
	if !ep && !sp {
		return nil
	}
	if o.Email != "" && !strings.Contains(o.Email, "@") {
		p.add(i, "owner_email", "%q is not an email address", o.Email)
	}
	p.text(i, "owner_email", o.Email, false, valid.Email)
	p.text(i, "owner_slack_id", o.SlackID, false, valid.SlackID)
	return &o
}

func (p *problems) numbers(i int, it rawItem, a *AccountPatch) {
	var mrr float64
	if present, null := p.field(i, it, "mrr", &mrr, "a number"); present {
		if null {
			mrr = 0
		}
		if why := valid.Number(valid.MRR, mrr); why != "" {
			p.add(i, "mrr", "%s", why)
		}
		a.mrr = &mrr
	}
	var seats float64
	if present, null := p.field(i, it, "seats", &seats, "a whole number"); present {
		if null {
			seats = 0
		}
		if why := valid.Number(valid.Seats, seats); why != "" {
			p.add(i, "seats", "%s", why)
		}
		n := int(seats)
		a.seats = &n
	}
}

// apply merges the patch into an account (zero for a new one).
func (a AccountPatch) apply(acc scoring.Account) scoring.Account {
	acc.ExternalID = a.ExternalID
	set := map[string]*string{"name": &acc.Name, "domain": &acc.Domain, "segment": &acc.Segment, "outcome": &acc.Outcome, "plan": &acc.Plan}
	for f, v := range a.strs {
		*set[f] = deref(v)
	}
	if a.mrr != nil {
		acc.MRR = *a.mrr
	}
	if a.seats != nil {
		acc.Seats = *a.seats
	}
	dates := map[string]*time.Time{"renewal_date": &acc.RenewalDate, "started_at": &acc.StartedAt, "churned_at": &acc.ChurnedAt}
	for f, v := range a.dates {
		*dates[f] = deref(v)
	}
	acc.Attributes = mergeAttrs(acc.Attributes, a.attrs, a.clearAttrs)
	return acc
}

func mergeAttrs(old, patch map[string]any, clear bool) map[string]any {
	out := map[string]any{}
	if !clear {
		for k, v := range old {
			out[k] = v
		}
	}
	for k, v := range patch {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// accounts serves POST /v1/accounts: upserts by external_id, all or nothing.
func (h *Handler) accounts(ctx context.Context, c *call) (any, *healthbot.Error) {
	patches, bad, aerr := ParseAccounts(c.body, h.limits.RESTItems, h.now())
	if aerr != nil {
		return nil, aerr
	}
	c.items = len(patches)
	var created, updated int
	err := h.store.InTx(ctx, func(tx *store.Store) error {
		// Only ids that passed validation are looked up: a NUL must not reach Postgres.
		extID := func(a AccountPatch) string { return a.ExternalID }
		existing, err := tx.AccountsByExternalID(ctx, distinct(lookupValues(patches, failedFields(bad), "external_id", extID), extID))
		if err != nil {
			return err
		}
		final, order := mergePatches(patches, existing, (*problems)(&bad))
		if len(bad) > 0 {
			return errInvalidItems(len(patches), bad)
		}
		for _, ext := range order {
			acc := final[ext]
			if acc.ID == 0 {
				created++
			} else {
				updated++
			}
			if err := writeAccount(ctx, tx, acc, ownerOf(patches, ext)); err != nil {
				return err
			}
		}
		return nil
	})
	if aerr := h.batchFailed(c, "accounts", err, bad); aerr != nil {
		return nil, aerr
	}
	h.metrics.accepted("accounts", reasonStored, len(patches))
	return map[string]any{"accepted": len(patches), "created": created, "updated": updated}, nil
}

// mergePatches applies the patches in order over the stored accounts and
// checks that every new account gets a name.
func mergePatches(patches []AccountPatch, existing map[string]scoring.Account, p *problems) (map[string]scoring.Account, []string) {
	final := map[string]scoring.Account{}
	var order []string
	badIDs := failedFields(*p)
	for i, a := range patches {
		if a.ExternalID == "" || badIDs.has(i, "external_id") {
			continue
		}
		acc, seen := final[a.ExternalID]
		if !seen {
			acc = existing[a.ExternalID]
			order = append(order, a.ExternalID)
		}
		acc = a.apply(acc)
		if acc.Name == "" {
			p.add(i, "name", "is required for a new account (no account %q exists)", a.ExternalID)
		}
		final[a.ExternalID] = acc
	}
	return final, order
}

// ownerOf returns the last owner named for ext in the batch, if any.
func ownerOf(patches []AccountPatch, ext string) *ownerRef {
	var o *ownerRef
	for _, a := range patches {
		if a.ExternalID == ext && a.owner != nil {
			o = a.owner
		}
	}
	return o
}

func writeAccount(ctx context.Context, tx *store.Store, acc scoring.Account, owner *ownerRef) error {
	if owner != nil {
		acc.OwnerID = 0
		if owner.Email != "" || owner.SlackID != "" {
			id, err := tx.EnsureCSM(ctx, owner.Email, owner.SlackID, "")
			if err != nil {
				return err
			}
			acc.OwnerID = id
		}
	}
	_, err := tx.UpsertAccount(ctx, acc)
	return err
}
