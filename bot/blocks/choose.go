package blocks

import (
	"strconv"
	"strings"

	"github.com/slack-go/slack"
)

// Candidate is an account offered in a chooser.
type Candidate struct {
	ID      int64
	Name    string
	Domain  string
	Segment string
	Churned bool
	// Summary, when known, is a line for the account's card in a carousel,
	// e.g. "🔴 35 · Red".
	Summary string
}

// MaxChoices bounds how many accounts a chooser lists (one section each).
const MaxChoices = 10

// ChooseBlocks asks which of several matching accounts was meant; each has a
// "Show card" button (ActionPick, value = account id).
func ChooseBlocks(query string, cands []Candidate, more int) []slack.Block {
	out := []slack.Block{Section("Several accounts match “" + Esc(query) + "”. Which one?")}
	out = append(out, candidateBlocks(cands)...)
	if more > 0 {
		out = append(out, Context("…and "+strconv.Itoa(more)+" more. Type more of the name to narrow it down."))
	}
	return out
}

// NotFoundBlocks says no account has that name and offers close matches.
func NotFoundBlocks(query string, cands []Candidate, hint string) []slack.Block {
	out := []slack.Block{Section(NotFoundText(query, cands))}
	out = append(out, candidateBlocks(cands)...)
	if hint != "" {
		out = append(out, Context(hint))
	}
	return out
}

// NotFoundText is "No account named “acmee”. Did you mean: Acme, Acme Labs?".
func NotFoundText(query string, cands []Candidate) string {
	s := "No account named “" + Esc(query) + "”."
	if len(cands) == 0 {
		return s
	}
	names := make([]string, len(cands))
	for i, c := range cands {
		names[i] = Esc(c.Name)
	}
	return s + " Did you mean: " + strings.Join(names, ", ") + "?"
}

// maxChoiceField caps each of a candidate's name, domain and segment, so a
// chooser line stays readable and far inside a section's 3,000 characters
// however long the stored values are.
const maxChoiceField = 200

func candidateBlocks(cands []Candidate) []slack.Block {
	if len(cands) > MaxChoices {
		cands = cands[:MaxChoices]
	}
	out := make([]slack.Block, 0, len(cands))
	for _, c := range cands {
		text := "*" + Esc(Truncate(c.Name, maxChoiceField)) + "*"
		var facts []string
		if c.Domain != "" {
			facts = append(facts, Esc(Truncate(c.Domain, maxChoiceField)))
		}
		if c.Segment != "" {
			facts = append(facts, Esc(Truncate(c.Segment, maxChoiceField)))
		}
		if c.Churned {
			facts = append(facts, "churned")
		}
		if len(facts) > 0 {
			text += "  _" + strings.Join(facts, " · ") + "_"
		}
		btn := Button(ActionPick, strconv.FormatInt(c.ID, 10), "Show card")
		sec := Section(text)
		sec.Accessory = slack.NewAccessory(btn)
		out = append(out, sec)
	}
	return out
}

// TextBlocks is a plain reply: one section per paragraph.
func TextBlocks(mrkdwn string) []slack.Block {
	return []slack.Block{Section(mrkdwn)}
}
