package ingest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// pulseJSON is one /v1/pulses item as sent: a CSM's rating of an account
// from another tool (a survey, a CRM field).
type pulseJSON struct {
	Account    string   `json:"account"`
	CSMEmail   string   `json:"csm_email"`
	CSMSlackID string   `json:"csm_slack_id"`
	Rating     string   `json:"rating"`
	Reasons    []string `json:"reasons"`
	Note       string   `json:"note"`
	Week       string   `json:"week"`
	AnsweredAt string   `json:"answered_at"`
	Source     string   `json:"source"`
}

// Pulse is one valid /v1/pulses item.
type Pulse struct {
	Account    string
	CSMEmail   string
	CSMSlackID string
	Rating     scoring.Rating
	Reasons    []string
	Note       string
	Week       string
	AnsweredAt time.Time
	Source     string
}

var weekPattern = regexp.MustCompile(`^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$`)

// ParsePulses validates a /v1/pulses body; problems name each bad item.
func ParsePulses(body []byte, maxItems int, now time.Time) ([]Pulse, []ItemError, *healthbot.Error) {
	raws, aerr := decodeEnvelope(body, "pulses", maxItems)
	if aerr != nil {
		return nil, nil, aerr
	}
	var p problems
	out := make([]Pulse, len(raws))
	for i, raw := range raws {
		var j pulseJSON
		if field, why, ok := decodeItem(raw, &j); !ok {
			p.add(i, field, "%s", why)
			continue
		}
		out[i] = p.pulse(i, j, now)
	}
	return out, p, nil
}

func (p *problems) pulse(i int, j pulseJSON, now time.Time) Pulse {
	out := Pulse{Account: j.Account, CSMEmail: strings.ToLower(j.CSMEmail), CSMSlackID: j.CSMSlackID,
		Reasons: j.Reasons, Note: j.Note, Week: j.Week, Source: j.Source}
	if out.Source == "" {
		out.Source = DefaultSignalSource
	}
	p.text(i, "account", j.Account, true, valid.ExternalID)
	p.text(i, "csm_email", j.CSMEmail, false, valid.Email)
	p.text(i, "csm_slack_id", j.CSMSlackID, false, valid.SlackID)
	p.text(i, "note", j.Note, false, valid.Note)
	p.text(i, "source", out.Source, false, valid.Source)
	for k, r := range j.Reasons {
		p.text(i, fmt.Sprintf("reasons[%d]", k), r, true, valid.Reason)
	}
	if len(j.Reasons) > 20 {
		p.add(i, "reasons", "has more than 20 entries")
	}
	rating, ok := scoring.ParseRating(j.Rating)
	if !ok {
		p.add(i, "rating", "must be healthy, concerning or poor (got %q)", j.Rating)
	}
	out.Rating = rating
	out.AnsweredAt = p.timeField(i, "answered_at", j.AnsweredAt, false, now)
	switch {
	case j.Week != "" && !weekPattern.MatchString(j.Week):
		p.add(i, "week", "%q is not an ISO week like 2026-W09", j.Week)
	case j.Week != "":
		if start, ok := scoring.ParseISOWeek(j.Week); !ok {
			p.add(i, "week", "%q is not an ISO week like 2026-W09", j.Week)
		} else if why := valid.Happened(start, now); why != "" {
			p.add(i, "week", "%s: the week starting %s", "is out of range (1900 to this week)", start.Format(time.DateOnly))
		}
	case j.Week == "" && j.AnsweredAt == "":
		p.add(i, "week", "week or answered_at is required")
	case j.Week == "" && !out.AnsweredAt.IsZero():
		out.Week = scoring.ISOWeek(out.AnsweredAt)
	}
	if out.AnsweredAt.IsZero() {
		out.AnsweredAt = now
	}
	return out
}

// pulses serves POST /v1/pulses: one pulse per account and week (a later one
// replaces it), CSMs named by email or Slack id must be known.
func (h *Handler) pulses(ctx context.Context, c *call) (any, *healthbot.Error) {
	ps, bad, aerr := ParsePulses(c.body, h.limits.RESTItems, h.now())
	if aerr != nil {
		return nil, aerr
	}
	c.items = len(ps)
	err := h.store.InTx(ctx, func(tx *store.Store) error {
		rows, err := resolvePulses(ctx, tx, ps, (*problems)(&bad))
		if err != nil {
			return err
		}
		if len(bad) > 0 {
			return errInvalidItems(len(ps), sortItems(bad))
		}
		for _, r := range rows {
			if err := tx.IntakePulse(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if aerr := h.batchFailed(c, "pulses", err, bad); aerr != nil {
		return nil, aerr
	}
	h.metrics.accepted("pulses", reasonStored, len(ps))
	return map[string]any{"accepted": len(ps)}, nil
}

// resolvePulses maps accounts and CSMs to ids, naming the unknown ones.
func resolvePulses(ctx context.Context, tx *store.Store, ps []Pulse, p *problems) ([]scoring.Pulse, error) {
	bad := failedFields(*p)
	account := func(x Pulse) string { return x.Account }
	email := func(x Pulse) string { return x.CSMEmail }
	slackID := func(x Pulse) string { return x.CSMSlackID }
	accounts, err := tx.AccountIDsByExternalID(ctx, distinct(lookupValues(ps, bad, "account", account), account))
	if err != nil {
		return nil, err
	}
	byEmail, bySlack, err := tx.CSMIDs(ctx,
		distinct(lookupValues(ps, bad, "csm_email", email), email),
		distinct(lookupValues(ps, bad, "csm_slack_id", slackID), slackID))
	if err != nil {
		return nil, err
	}
	out := make([]scoring.Pulse, 0, len(ps))
	for i, x := range ps {
		acc, ok := accounts[x.Account]
		if !ok && x.Account != "" && !bad.has(i, "account") {
			*p = append(*p, ItemError{Index: i, Field: "account", Why: fmt.Sprintf("no account %q", x.Account), reason: reasonUnknownAcct})
		}
		var csm int64
		switch {
		case bad.has(i, "csm_email") || bad.has(i, "csm_slack_id"): // reported already
		case x.CSMEmail != "":
			if csm, ok = byEmail[x.CSMEmail]; !ok {
				*p = append(*p, ItemError{Index: i, Field: "csm_email", Why: fmt.Sprintf("no CSM with email %q", x.CSMEmail), reason: reasonUnknownCSM})
			}
		case x.CSMSlackID != "":
			if csm, ok = bySlack[x.CSMSlackID]; !ok {
				*p = append(*p, ItemError{Index: i, Field: "csm_slack_id", Why: fmt.Sprintf("no CSM with Slack id %q", x.CSMSlackID), reason: reasonUnknownCSM})
			}
		}
		out = append(out, scoring.Pulse{AccountID: acc, CSMID: csm, Rating: x.Rating, Reasons: x.Reasons,
			Note: x.Note, Week: x.Week, AnsweredAt: x.AnsweredAt, Source: x.Source})
	}
	return dedupePulses(out), nil
}

// dedupePulses keeps the last pulse of each account and week.
func dedupePulses(ps []scoring.Pulse) []scoring.Pulse {
	type key struct {
		acc  int64
		week string
	}
	at := map[key]int{}
	out := ps[:0:0]
	for _, x := range ps {
		k := key{x.AccountID, x.Week}
		if j, dup := at[k]; dup {
			out[j] = x
			continue
		}
		at[k] = len(out)
		out = append(out, x)
	}
	return out
}
