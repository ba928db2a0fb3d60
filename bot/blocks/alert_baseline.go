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
	Accounts int              // live accounts evaluated (Yours: the owner's)
	Kinds    []AlertKindCount // per rule, in the order to show
	Yours    bool             // the owner's DM about their accounts, not the channel's message
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

// AlertBaselineBlocks is the first message of the alert channel, or of an
// owner's DM: what holds already, per rule, and that new alerts get their
// own message from now on.
func AlertBaselineBlocks(b AlertBaseline) []slack.Block {
	lines := make([]string, len(b.Kinds))
	for i, k := range b.Kinds {
		lines[i] = "• " + Esc(AlertTitle(k.Kind)) + ": " + strconv.Itoa(k.Alerts)
	}
	if b.Yours {
		return []slack.Block{
			Section("👋 *healthbot is now watching your " + plural(b.Accounts, "account") + ".*"),
			Section(plural(b.Total(), "alert condition") + b.hold() + " on them. I recorded " + b.them() +
				" without a message each; from the next scoring run on, every new alert on your accounts comes here."),
			Section(strings.Join(lines, "\n")),
			Context("`/health` shows your portfolio; each account's card shows its open alerts."),
		}
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
	watched := plural(b.Accounts, "account")
	if b.Yours {
		watched = "your " + watched
	}
	return "healthbot is now watching " + watched + ": " +
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
