// Package blocks renders healthbot's Slack messages: pure functions from
// domain values to Block Kit blocks, with constant action IDs, so every
// message is golden-tested without Slack. Nothing here reads the clock;
// callers pass now.
package blocks

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/scoring"
)

// ActionPrefix starts every action ID below, so a router can send them all
// to the /health handler.
const ActionPrefix = "health_"

// Action IDs of the buttons these renderers make. Values are documented per
// constant; handlers route on the ID alone.
const (
	ActionShare    = "health_share"     // value: account id; re-posts the card in the channel
	ActionPick     = "health_pick"      // value: account id; replaces a chooser with the card
	ActionOpenCard = "health_open_card" // value: account id; shows the card as a new ephemeral message
	ActionPrev     = "health_page_prev" // value: PageValue
	ActionNext     = "health_page_next" // value: PageValue
)

// Block Kit limits we design for (Slack rejects messages past them).
const (
	MaxBlocks        = 50
	MaxHomeBlocks    = 100
	MaxSectionText   = 3000
	MaxHeaderText    = 150
	MaxButtonText    = 75
	MaxButtonValue   = 2000
	maxSectionBudget = 2900 // headroom under MaxSectionText for joins and escapes
)

// BandEmoji is the colour dot of a band; ⚪ for not enough data or unscored.
func BandEmoji(b scoring.Band) string { emoji, _ := bandLook(b); return emoji }

// BandName is a band in words.
func BandName(b scoring.Band) string { _, name := bandLook(b); return name }

// bandLook is a band's dot and name, side by side so that a band added to
// one is added to the other.
func bandLook(b scoring.Band) (emoji, name string) {
	switch b {
	case scoring.BandGreen:
		return "🟢", "Green"
	case scoring.BandYellow:
		return "🟡", "Yellow"
	case scoring.BandRed:
		return "🔴", "Red"
	}
	return "⚪", "Not enough data"
}

// RatingEmoji marks a pulse rating.
func RatingEmoji(r scoring.Rating) string { emoji, _ := ratingLook(r); return emoji }

// RatingName is a pulse rating in words.
func RatingName(r scoring.Rating) string { _, name := ratingLook(r); return name }

// ratingLook is a pulse rating's mark and name, side by side like bandLook.
func ratingLook(r scoring.Rating) (emoji, name string) {
	switch r {
	case scoring.RatingHealthy:
		return "🙂", "Healthy"
	case scoring.RatingConcerning:
		return "😐", "Concerning"
	case scoring.RatingPoor:
		return "🙁", "Poor"
	}
	return "❔", "Unknown"
}

// Esc escapes text for mrkdwn, so account names and notes cannot inject
// links, mentions or markup.
func Esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Truncate shortens s to at most n characters, ending in "…" when cut.
// Characters are counted as UTF-16 code units, as Slack's limits are (an
// emoji outside the Basic Multilingual Plane counts twice), so a text that
// passes here never trips Slack's count. A cut never lands inside mrkdwn
// that would break: an entity (&amp;), a <@U…> mention or <url|link>, or
// between the two marks of *bold*, _italic_, ~strike~ or `code` — it backs
// off to before the construct instead. Safe on escaped and plain text.
func Truncate(s string, n int) string {
	if Length(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	cut, units := 0, 0
	for i, r := range s {
		w := utf16Len(r)
		if units+w > n-1 {
			break
		}
		units += w
		cut = i + utf8.RuneLen(r)
	}
	return safeCut(s[:cut]) + "…"
}

// Length is s's length as Slack counts it, in UTF-16 code units.
func Length(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// safeCut shortens a prefix of mrkdwn so that it ends outside any entity,
// <…> construct or open pair of formatting marks.
func safeCut(p string) string {
	if i := strings.LastIndexByte(p, '&'); i >= 0 && !strings.Contains(p[i:], ";") && len(p)-i <= 6 {
		p = p[:i]
	}
	if i := strings.LastIndexByte(p, '<'); i >= 0 && !strings.Contains(p[i:], ">") {
		p = p[:i]
	}
	for _, mark := range []byte{'`', '*', '_', '~'} {
		if strings.Count(p, string(mark))%2 == 1 {
			p = p[:strings.LastIndexByte(p, mark)]
		}
	}
	return p
}

// Score formats a 0–100 score as a whole number.
func Score(v float64) string { return strconv.Itoa(int(math.Round(v))) }

// Delta formats a score change: "▲ 3", "▼ 8", "± 0"; "–" when unknown.
func Delta(d *float64) string {
	if d == nil {
		return "–"
	}
	r := int(math.Round(*d))
	switch {
	case r > 0:
		return "▲ " + strconv.Itoa(r)
	case r < 0:
		return "▼ " + strconv.Itoa(-r)
	}
	return "± 0"
}

// Money formats an amount with thousands separators and no decimals.
func Money(v float64) string {
	neg := v < 0
	s := strconv.FormatInt(int64(math.Round(math.Abs(v))), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Date formats a day as 2026-03-01.
func Date(t time.Time) string { return t.Format("2006-01-02") }

// DaysBetween counts calendar days from a to b (negative when b is earlier).
func DaysBetween(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	da := time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	return int(math.Round(db.Sub(da).Hours() / 24))
}

// Ago says how long before now t was: "today", "yesterday", "9 days ago",
// "3 weeks ago", "5 months ago".
func Ago(t, now time.Time) string {
	d := DaysBetween(t, now)
	switch {
	case d < 0:
		return "in " + plural(-d, "day")
	case d == 0:
		return "today"
	case d == 1:
		return "yesterday"
	case d < 21:
		return plural(d, "day") + " ago"
	case d < 90:
		return plural(d/7, "week") + " ago"
	}
	return plural(d/30, "month") + " ago"
}

// Until says when t comes relative to now: "today", "in 45 days", "3 days ago".
func Until(t, now time.Time) string {
	d := DaysBetween(now, t)
	switch {
	case d == 0:
		return "today"
	case d > 0:
		return "in " + plural(d, "day")
	}
	return plural(-d, "day") + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// Header makes a header block, truncated to Slack's limit.
func Header(text string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, Truncate(text, MaxHeaderText), true, false))
}

// Section makes a mrkdwn section, truncated to Slack's limit.
func Section(mrkdwn string) *slack.SectionBlock {
	return slack.NewSectionBlock(md(Truncate(mrkdwn, MaxSectionText)), nil, nil)
}

// Context makes a context block of mrkdwn elements.
func Context(mrkdwn ...string) *slack.ContextBlock {
	els := make([]slack.MixedElement, 0, len(mrkdwn))
	for _, m := range mrkdwn {
		els = append(els, md(Truncate(m, MaxSectionText)))
	}
	return slack.NewContextBlock("", els...)
}

// Button makes a button with a constant action ID.
func Button(actionID, value, label string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, value,
		slack.NewTextBlockObject(slack.PlainTextType, Truncate(label, MaxButtonText), true, false))
}

func md(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

// Sections packs lines into as few sections as Slack's per-section limit
// allows, never splitting a line.
func Sections(lines []string) []slack.Block {
	var out []slack.Block
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, Section(cur.String()))
			cur.Reset()
		}
	}
	for _, l := range lines {
		l = Truncate(l, maxSectionBudget)
		if cur.Len() > 0 && cur.Len()+1+len(l) > maxSectionBudget {
			flush()
		}
		if cur.Len() > 0 {
			cur.WriteByte('\n')
		}
		cur.WriteString(l)
	}
	flush()
	return out
}

// PageValue is what a Previous/Next button carries: the subcommand text to
// run again and the offset of the page to show.
func PageValue(offset int, cmd string) string {
	return strconv.Itoa(offset) + "|" + cmd
}

// ParsePageValue reverses PageValue.
func ParsePageValue(v string) (offset int, cmd string, err error) {
	o, cmd, ok := strings.Cut(v, "|")
	if !ok {
		return 0, "", fmt.Errorf("page value %q has no offset", v)
	}
	offset, err = strconv.Atoi(o)
	if err != nil || offset < 0 {
		return 0, "", fmt.Errorf("page value %q has a bad offset", v)
	}
	return offset, cmd, nil
}
