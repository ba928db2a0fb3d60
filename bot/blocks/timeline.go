package blocks

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// The timeline (#17): the Log button on cards and alerts opens the log
// modal; its submission records a touchpoint.
const (
	ActionTimelineLog   = "timeline_log" // value: account id; opens LogModal
	CallbackTimelineLog = "timeline_log" // the modal's callback_id; private_metadata: account id

	LogKindBlock = "log_kind"
	LogKindInput = "log_kind_input"
	LogNoteBlock = "log_note"
	LogNoteInput = "log_note_input"
)

// MaxLogNote is the longest note the log modal and /health log take
// (the store's limit is 3000; a modal field may not exceed it either:
// https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element).
const MaxLogNote = 3000

// CardTimeline is how many touchpoints the card shows; the rest are in
// /health timeline.
const CardTimeline = 3

// Touchpoint is one timeline entry as the card and /health timeline show it.
type Touchpoint struct {
	Kind string // call, meeting, email, qbr, other, alert
	Note string
	By   string // Slack user id, "" when unknown
	At   time.Time
}

// Timeline is the card's timeline section: the newest entries and how
// many more there are.
type Timeline struct {
	Recent []Touchpoint
	More   int
}

// logKinds are the kinds a person can log, with their labels, in the
// modal's order.
var logKinds = []struct{ code, label string }{
	{"call", "📞 Call"}, {"meeting", "🤝 Meeting"}, {"email", "✉️ Email"}, {"qbr", "📊 QBR"}, {"other", "📝 Other"},
}

// IsLogKind reports whether kind is one a person can log.
func IsLogKind(kind string) bool {
	for _, k := range logKinds {
		if k.code == kind {
			return true
		}
	}
	return false
}

// TouchKindLabel names a touchpoint kind with its emoji.
func TouchKindLabel(kind string) string {
	for _, k := range logKinds {
		if k.code == kind {
			return k.label
		}
	}
	if kind == "alert" {
		return "🔔 Alert"
	}
	return KindName(kind)
}

// TouchpointLine is one entry in one line: when, what, who, the note.
func TouchpointLine(t Touchpoint) string {
	s := "• " + t.At.Format("Jan 2") + " · " + TouchKindLabel(t.Kind)
	if t.By != "" {
		s += " · <@" + Esc(t.By) + ">"
	}
	if n := strings.TrimSpace(t.Note); n != "" {
		s += " — " + Esc(Truncate(strings.Join(strings.Fields(n), " "), 280))
	}
	return s
}

// timelineText is the card's timeline section.
func timelineText(tl Timeline, name string) string {
	if len(tl.Recent) == 0 {
		return "*Timeline*\nNothing logged yet. Use *Log* or `/health log " + Esc(name) + " what you did`."
	}
	lines := []string{"*Timeline*"}
	for _, t := range tl.Recent {
		lines = append(lines, TouchpointLine(t))
	}
	if tl.More > 0 {
		lines = append(lines, fmt.Sprintf("_%d more: `/health timeline %s`_", tl.More, Esc(name)))
	}
	return Truncate(strings.Join(lines, "\n"), MaxSectionText)
}

// LogButton is the Log button of cards and alerts.
func LogButton(accountID int64) *slack.ButtonBlockElement {
	return Button(ActionTimelineLog, strconv.FormatInt(accountID, 10), "Log")
}

// LogModal asks what was done with an account: the kind (required) and a note.
func LogModal(accountID int64, name string) slack.ModalViewRequest {
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	opts := make([]*slack.OptionBlockObject, len(logKinds))
	for i, k := range logKinds {
		opts[i] = slack.NewOptionBlockObject(k.code, plain(k.label), nil)
	}
	radio := slack.NewRadioButtonsBlockElement(LogKindInput, opts...)
	kind := slack.NewInputBlock(LogKindBlock, plain("What"), nil, radio)
	text := slack.NewPlainTextInputBlockElement(plain("Called the CFO, renewal on track"), LogNoteInput)
	text.Multiline = true
	text.MaxLength = MaxLogNote
	note := slack.NewInputBlock(LogNoteBlock, plain("Note"), nil, text)
	note.Optional = true
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackTimelineLog, PrivateMetadata: strconv.FormatInt(accountID, 10),
		Title: plain("Log a touchpoint"), Submit: plain("Log"), Close: plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{Section("*" + Esc(Truncate(name, 200)) + "*"), kind, note}},
	}
}

// LogForm reads the log modal's submission.
func LogForm(state *slack.ViewState) (kind, note string) {
	if state == nil {
		return "", ""
	}
	kind = state.Values[LogKindBlock][LogKindInput].SelectedOption.Value
	note = strings.TrimSpace(state.Values[LogNoteBlock][LogNoteInput].Value)
	return kind, note
}

// LogErrors are the log modal's field errors, nil when it can be saved.
func LogErrors(state *slack.ViewState) map[string]string {
	kind, note := LogForm(state)
	errs := map[string]string{}
	if !IsLogKind(kind) {
		errs[LogKindBlock] = "Pick call, meeting, email, QBR or other."
	}
	if n := Length(note); n > MaxLogNote {
		errs[LogNoteBlock] = fmt.Sprintf("The note is %d characters; keep it to %d.", n, MaxLogNote)
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// TimelineBlocks is /health timeline: every entry after the card's three,
// newest first, up to a page; more says how many did not fit.
func TimelineBlocks(name string, entries []Touchpoint, skipped, more int) []slack.Block {
	out := []slack.Block{Header("Timeline of " + name)}
	if len(entries) == 0 {
		msg := "Nothing logged yet."
		if skipped > 0 {
			msg = "Nothing older than the card's " + strconv.Itoa(skipped) + " entries."
		}
		return append(out, Section(msg))
	}
	lines := make([]string, len(entries))
	for i, t := range entries {
		lines[i] = TouchpointLine(t)
	}
	out = append(out, Sections(lines)...)
	ctx := ""
	if skipped > 0 {
		ctx = "The newest " + strconv.Itoa(skipped) + " are on the card."
	}
	if more > 0 {
		ctx = strings.TrimSpace(ctx + fmt.Sprintf(" %d older entries not shown.", more))
	}
	if ctx != "" {
		out = append(out, Context(ctx))
	}
	return out
}
