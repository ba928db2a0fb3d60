package ask

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
)

// openCardAction is the /health handler's "open card" action; the value is
// the account id.
const openCardAction = blocks.ActionOpenCard

const (
	maxSectionChars = 2900 // Slack allows 3000 in a section
	maxCited        = 10
	maxBasedOn      = 5 // accounts named in the "Based on" line; the rest are in the answer
	maxCardOptions  = 10
)

// cited lists the accounts the tools showed that the answer names — by
// full name, or by a first word no other shown account starts with
// ("Acme" for Acme Logistics) — in the order the answer names them.
func (s *session) cited(answer string) []citation {
	padded := " " + normalize(answer) + " "
	first := map[string]int{}
	for key := range s.seen {
		if f := strings.Fields(normalize(key)); len(f) > 0 {
			first[f[0]]++
		}
	}
	type hit struct {
		at int
		c  citation
	}
	var hits []hit
	for key, c := range s.seen {
		full := normalize(key)
		if full == "" {
			continue
		}
		at := strings.Index(padded, " "+full+" ")
		if f := strings.Fields(full); at < 0 && len(f) > 1 && len(f[0]) >= 4 && first[f[0]] == 1 && distinctive(f[0]) {
			at = strings.Index(padded, " "+f[0]+" ")
		}
		if at >= 0 {
			hits = append(hits, hit{at, c})
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].at != hits[j].at {
			return hits[i].at < hits[j].at
		}
		return hits[i].c.Name < hits[j].c.Name
	})
	var out []citation
	for _, h := range hits {
		if len(out) == maxCited {
			break
		}
		out = append(out, h.c)
	}
	return out
}

// renderAnswer is the model's answer as a Slack message: the text, a
// context line naming the accounts and numbers it rests on, and a way to
// open their cards.
func renderAnswer(text string, cites []citation) bot.Message {
	body := clipBytes(slackify(text), maxSectionChars)
	bs := []slack.Block{section(body)}
	bs = append(bs, citationBlocks(cites, "")...)
	return bot.Message{Text: clipBytes(plain(text), maxSectionChars), Blocks: bs}
}

// citationBlocks is "Based on: …" plus an open-card control, and a note
// (e.g. that the answer is built in) when there is one.
func citationBlocks(cites []citation, note string) []slack.Block {
	var out []slack.Block
	var parts []string
	for i, c := range cites {
		if i == maxBasedOn {
			parts = append(parts, fmt.Sprintf("and %d more above", len(cites)-i))
			break
		}
		parts = append(parts, "*"+esc(c.Name)+"* ("+c.numbers()+")")
	}
	var ctx []string
	if len(parts) > 0 {
		ctx = append(ctx, "Based on: "+strings.Join(parts, ", "))
	}
	if note != "" {
		ctx = append(ctx, note)
	}
	if len(ctx) > 0 {
		out = append(out, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, clipBytes(strings.Join(ctx, "\n"), maxSectionChars), false, false)))
	}
	if el := cardControl(cites); el != nil {
		out = append(out, slack.NewActionBlock("ask_cards", el))
	}
	return out
}

// numbers is a citation's figures in words: "score 34, red".
func (c citation) numbers() string {
	if !c.Scored {
		return "no score yet"
	}
	return fmt.Sprintf("score %s, %s", num(c.Score), c.Band)
}

// cardControl opens a cited account's card: a button for one account, a
// menu for several (one block cannot hold two buttons with the /health
// handler's single action id).
func cardControl(cites []citation) slack.BlockElement {
	var withID []citation
	for _, c := range cites {
		if c.ID > 0 && len(withID) < maxCardOptions {
			withID = append(withID, c)
		}
	}
	switch len(withID) {
	case 0:
		return nil
	case 1:
		c := withID[0]
		return slack.NewButtonBlockElement(openCardAction, strconv.FormatInt(c.ID, 10),
			slack.NewTextBlockObject(slack.PlainTextType, clipRunes("Open card: "+c.Name, 75), false, false))
	}
	opts := make([]*slack.OptionBlockObject, len(withID))
	for i, c := range withID {
		opts[i] = slack.NewOptionBlockObject(strconv.FormatInt(c.ID, 10),
			slack.NewTextBlockObject(slack.PlainTextType, clipRunes(c.Name, 75), false, false), nil)
	}
	return slack.NewOptionsSelectBlockElement(slack.OptTypeStatic,
		slack.NewTextBlockObject(slack.PlainTextType, "Open a card…", false, false), openCardAction, opts...)
}

// builtinMessage lays out a built-in answer: the lead (why the model did
// not answer) as context, the answer, its citations. Markdown and Tail are
// the same answer for streaming, as the model's answers are.
func builtinMessage(ans builtinAnswer, lead, note string) Result {
	var bs []slack.Block
	text, md := ans.text, markdownOf(ans.text)
	if lead != "" {
		bs = append(bs, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, esc(lead), false, false)))
		text = lead + "\n" + text
		md = "_" + esc(lead) + "_\n\n" + md
	}
	bs = append(bs, section(clipBytes(ans.text, maxSectionChars)))
	tail := citationBlocks(ans.cites, note)
	bs = append(bs, tail...)
	return Result{Message: bot.Message{Text: clipBytes(plainText(text), maxSectionChars), Blocks: bs},
		Markdown: clipBytes(md, maxSectionChars), Tail: tail}
}

// markdownOf turns the built-in answers' mrkdwn into the Markdown a
// stream takes: *bold* becomes **bold** (italics, code and the escaped
// &, < and > read the same in both).
func markdownOf(mrkdwn string) string { return mrkBold.ReplaceAllString(mrkdwn, "**$1**") }

var mrkBold = regexp.MustCompile(`\*([^*\n]+)\*`)

func section(mrkdwn string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, mrkdwn, false, false), nil, nil)
}

var (
	mdBold    = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)
	mdBoldU   = regexp.MustCompile(`__([^_\n]+)__`)
	mdStrike  = regexp.MustCompile(`~~([^~\n]+)~~`)
	mdHeading = regexp.MustCompile(`(?m)^#{1,6}\s+(.+)$`)
	mdBullet  = regexp.MustCompile(`(?m)^(\s*)[-*]\s+`)
)

// slackify turns a model's Markdown into Slack mrkdwn. It escapes &, < and
// > first, so text quoted from the data (a note saying "<!channel>") can
// never become a mention, a link or a broadcast.
func slackify(s string) string {
	s = esc(strings.TrimSpace(s))
	s = mdBullet.ReplaceAllString(s, "$1• ")
	s = mdHeading.ReplaceAllString(s, "*$1*")
	s = mdBold.ReplaceAllString(s, "*$1*")
	s = mdBoldU.ReplaceAllString(s, "*$1*")
	s = mdStrike.ReplaceAllString(s, "~$1~")
	return s
}

// plain is the notification text: Markdown markers removed, escaped.
func plain(s string) string {
	s = slackify(s)
	return strings.NewReplacer("*", "", "_", "", "~", "", "`", "").Replace(s)
}

// esc escapes the three characters Slack treats as control sequences.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// num formats a score: no decimals when whole, else one.
func num(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// clipBytes keeps s under n bytes, cutting at a rune boundary with "…".
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// bandWord is a band for sentences.
func bandWord(b scoring.Band) string {
	if b == "" || b == scoring.BandNone {
		return "not enough data"
	}
	return string(b)
}
