package blocks

import (
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/scoring"
)

// AlertBaseline is what the first alert run on a portfolio found already
// true: recorded, but summed up in one message instead of one per alert.
type AlertBaseline struct {
	Accounts int              // live accounts evaluated
	Kinds    []AlertKindCount // per rule, in the order to show
}

// AlertKindCount is how many alerts of one rule the first run recorded.
type AlertKindCount struct {
	Kind   scoring.AlertKind
	Alerts int
}

// Total is the number of alerts recorded.
func (b AlertBaseline) Total() int {
	n := 0
	for _, k := range b.Kinds {
		n += k.Alerts
	}
	return n
}

// AlertBaselineBlocks is the alert channel's first message: what holds
// already, per rule, and that new alerts get their own message from now
// on.
func AlertBaselineBlocks(b AlertBaseline) []slack.Block {
	lines := make([]string, len(b.Kinds))
	for i, k := range b.Kinds {
		lines[i] = "• " + Esc(AlertTitle(k.Kind)) + ": " + strconv.Itoa(k.Alerts)
	}
	return []slack.Block{
		Section("👋 *healthbot is now watching " + plural(b.Accounts, "account") + ".*"),
		Section(plural(b.Total(), "alert condition") + b.hold() + ". I recorded " + b.them() + " without posting each one, " +
			"so this channel starts quiet; from the next scoring run on, every new alert gets its own message here."),
		Section(strings.Join(lines, "\n")),
		Context("`/health at-risk` lists the accounts in trouble now; each account's card shows its open alerts."),
	}
}

// AlertBaselineText is the notification text of AlertBaselineBlocks.
func AlertBaselineText(b AlertBaseline) string {
	return "healthbot is now watching " + plural(b.Accounts, "account") + ": " +
		plural(b.Total(), "alert condition") + b.hold() + " (recorded, not posted one by one)."
}

func (b AlertBaseline) them() string {
	if b.Total() == 1 {
		return "it"
	}
	return "them"
}

func (b AlertBaseline) hold() string {
	if b.Total() == 1 {
		return " already holds"
	}
	return " already hold"
}
