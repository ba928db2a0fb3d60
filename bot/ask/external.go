package ask

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/store"
)

// ToolInfo is one tool as a client outside Slack (an MCP client) sees it:
// the same name, description and argument schema the model gets.
type ToolInfo struct {
	Name        string
	Description string
	Parameters  json.RawMessage
}

// ToolInfos lists every tool, sorted by name.
func (a *Asker) ToolInfos() []ToolInfo {
	out := make([]ToolInfo, len(a.table))
	for i, t := range a.table {
		out[i] = ToolInfo{Name: t.name, Description: t.description, Parameters: t.parameters}
	}
	return out
}

// maxExternalResult bounds one tool result sent to an outside client. Rows
// and text are already bounded by each tool; this is the backstop.
const maxExternalResult = 64 << 10

// CallTool runs one tool for an outside client, with the same argument
// checks, limits and read-only transaction as the question loop. A mistake
// in the call is a *healthbot.Error whose message is meant for the caller
// (ToolMessage); any other error is internal (logged here) and should be
// reported generically.
// There is no Slack user behind such a call, so owner "me" is refused.
func (a *Asker) CallTool(ctx context.Context, name string, args json.RawMessage) (json.RawMessage, error) {
	sess := a.newSession("")
	var result any
	if err := sess.dispatch(ctx, name, string(args), &result); err != nil {
		if _, mistake := toolMistake(err); !mistake {
			a.log.Error("external tool call failed", "tool", clip(name, 64), "err", err)
		}
		return nil, err
	}
	b, err := json.Marshal(result)
	if err != nil {
		return nil, fmt.Errorf("ask: encode %s result: %w", name, err)
	}
	if len(b) > maxExternalResult {
		return nil, healthbot.Errorf(healthbot.ETOOLARGE, "the result is too large (%d bytes); ask for fewer rows", len(b))
	}
	return b, nil
}

// ErrNoAccount is AccountMarkdown's answer for an unknown external id
// (ENOTFOUND).
var ErrNoAccount = &healthbot.Error{Code: healthbot.ENOTFOUND, Message: "no account has that external id"}

// ToolMessage is what an outside caller of CallTool may read of err: the
// message of a mistake in the call, or ok false for our own failure, to be
// reported generically (it has been logged).
func ToolMessage(err error) (msg string, ok bool) { return toolMistake(err) }

// AccountMarkdown is an account's card as Markdown, found by its exact
// external id: the numbers get_account returns, laid out for reading.
func (a *Asker) AccountMarkdown(ctx context.Context, externalID string) (string, error) {
	externalID = strings.TrimSpace(externalID)
	if externalID == "" || len(externalID) > maxTextArg*2 {
		return "", ErrNoAccount
	}
	sess := a.newSession("")
	var out accountOut
	err := a.store.ReadOnly(ctx, func(ro *store.Store) error {
		acct, err := ro.AccountByExternalID(ctx, externalID)
		if err != nil {
			return err // store.ErrNotFound becomes ErrNoAccount below
		}
		out, err = sess.accountByID(ctx, ro, acct.ID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		err = ErrNoAccount
	}
	if err != nil {
		return "", err
	}
	return accountMarkdown(out), nil
}

// accountMarkdown lays out get_account's result. Stored text (names,
// notes, alert summaries) is data: Markdown control characters in it are
// escaped so it cannot restructure the page.
func accountMarkdown(o accountOut) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", mdEsc(o.Name))
	if o.Score != nil {
		fmt.Fprintf(&b, "**Health score %s (%s)**, confidence %.2f", num(*o.Score), o.Band, o.Confidence)
	} else {
		b.WriteString("**No health score yet** (not enough data)")
	}
	if o.ScoreAsOf != "" {
		fmt.Fprintf(&b, ", scored on %s", o.ScoreAsOf)
	}
	b.WriteString("\n\n")
	if o.Change7d != nil || o.Change28d != nil {
		fmt.Fprintf(&b, "Change: %s over 7 days, %s over 28 days\n\n", signedp(o.Change7d), signedp(o.Change28d))
	}
	b.WriteString("| Field | Value |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", k, mdEsc(v))
		}
	}
	row("External id", o.ExternalID)
	row("Segment", o.Segment)
	row("Owner", o.Owner)
	row("Plan", o.Plan)
	if o.Seats > 0 {
		row("Seats", fmt.Sprint(o.Seats))
	}
	row("MRR", money(o.MRR))
	if o.RenewalDate != "" {
		r := o.RenewalDate
		if o.DaysToRenewal != nil {
			r += fmt.Sprintf(" (in %d days)", *o.DaysToRenewal)
		}
		row("Renewal", r)
	}
	row("Churned on", o.ChurnedOn)
	if len(o.Subscores) > 0 {
		b.WriteString("\n## Subscores\n\n")
		for _, fam := range sortedKeys(o.Subscores) {
			fmt.Fprintf(&b, "- %s: %s\n", fam, num(o.Subscores[fam]))
		}
	}
	drivers := func(title string, ds []driverOut) {
		if len(ds) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n## %s\n\n", title)
		for _, d := range ds {
			fmt.Fprintf(&b, "- %s: metric score %s, contribution %s", mdEsc(d.Label), num(d.Score), signed(d.Contribution))
			if d.Detail != "" {
				fmt.Fprintf(&b, " (%s)", mdEsc(d.Detail))
			}
			b.WriteString("\n")
		}
	}
	drivers("Pulling the score down", o.WeakestDrivers)
	drivers("Holding the score up", o.StrongestDrivers)
	if p := o.LastPulse; p != nil {
		fmt.Fprintf(&b, "\n## Last pulse (%s)\n\n%s", p.Week, p.Rating)
		if p.By != "" {
			fmt.Fprintf(&b, ", by %s", mdEsc(p.By))
		}
		fmt.Fprintf(&b, " on %s", p.On)
		if len(p.Reasons) > 0 {
			fmt.Fprintf(&b, "; reasons: %s", mdEsc(strings.Join(p.Reasons, ", ")))
		}
		b.WriteString("\n")
		if p.Note != "" {
			fmt.Fprintf(&b, "\n> %s\n", mdEsc(p.Note))
		}
	}
	if len(o.OpenAlerts) > 0 {
		b.WriteString("\n## Open alerts\n\n")
		for _, al := range o.OpenAlerts {
			fmt.Fprintf(&b, "- %s, fired %s: %s\n", mdEsc(al.Kind), al.Fired, mdEsc(al.Summary))
		}
	}
	return b.String()
}

// mdEsc keeps stored text from becoming Markdown structure: no line
// breaks, and the characters that start emphasis, links, tables or HTML
// escaped.
func mdEsc(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`,
		"|", `\|`, "<", "&lt;", ">", "&gt;", "#", `\#`).Replace(s)
}

func signedp(p *float64) string {
	if p == nil {
		return "n/a"
	}
	return signed(*p)
}

func sortedKeys(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
