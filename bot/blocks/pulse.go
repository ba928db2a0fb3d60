package blocks

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/scoring"
)

// Action, block and callback IDs of the weekly pulse. Every button carries
// PulseValue(account, week), so a click always records for the week the
// message asked about; the note modal carries the same as private_metadata.
const (
	ActionPulseHealthy    = "pulse_healthy"
	ActionPulseConcerning = "pulse_concerning"
	ActionPulsePoor       = "pulse_poor"
	ActionPulseNote       = "pulse_note" // opens the note modal
	CallbackPulseNote     = "pulse_note" // the modal's callback_id
	PulseRatingBlock      = "pulse_rating"
	PulseRatingInput      = "rating"
	PulseReasonsBlock     = "pulse_reasons"
	PulseReasonsInput     = "reasons"
	PulseNoteBlock        = "pulse_note"
	PulseNoteInput        = "note"
	// PulsePageSize is how many accounts one check-in message lists: two
	// blocks each plus header, intro and footer stays under MaxBlocks.
	PulsePageSize = 20
	// MaxPulseNote bounds the note (Slack's plain-text input allows 3000).
	MaxPulseNote = 2000
)

// PulseActionIDs are the buttons of a check-in, for the router.
func PulseActionIDs() []string {
	return []string{ActionPulseHealthy, ActionPulseConcerning, ActionPulsePoor, ActionPulseNote}
}

// RatingOfAction is the rating a rating button records.
func RatingOfAction(actionID string) (scoring.Rating, bool) {
	switch actionID {
	case ActionPulseHealthy:
		return scoring.RatingHealthy, true
	case ActionPulseConcerning:
		return scoring.RatingConcerning, true
	case ActionPulsePoor:
		return scoring.RatingPoor, true
	}
	return "", false
}

var ratings = []scoring.Rating{scoring.RatingHealthy, scoring.RatingConcerning, scoring.RatingPoor}

func ratingAction(r scoring.Rating) string {
	switch r {
	case scoring.RatingHealthy:
		return ActionPulseHealthy
	case scoring.RatingConcerning:
		return ActionPulseConcerning
	}
	return ActionPulsePoor
}

// PulseValue is what a pulse button carries: the account and the ISO week.
func PulseValue(accountID int64, week string) string {
	return strconv.FormatInt(accountID, 10) + "|" + week
}

// ParsePulseValue reverses PulseValue.
func ParsePulseValue(v string) (accountID int64, week string, err error) {
	id, week, ok := strings.Cut(v, "|")
	if !ok {
		return 0, "", fmt.Errorf("pulse value %q has no week", v)
	}
	accountID, err = strconv.ParseInt(id, 10, 64)
	if err != nil || accountID <= 0 {
		return 0, "", fmt.Errorf("pulse value %q has a bad account id", v)
	}
	if _, _, err := ParseISOWeek(week); err != nil {
		return 0, "", fmt.Errorf("pulse value %q: %w", v, err)
	}
	return accountID, week, nil
}

// ParseISOWeek reads "2026-W48" (scoring.ParseISOWeek, the one parser)
// and returns the Monday it starts (UTC midnight) and the week after it; it
// rejects weeks the year does not have.
func ParseISOWeek(week string) (start, next time.Time, err error) {
	monday, ok := scoring.ParseISOWeek(week)
	if !ok {
		return time.Time{}, time.Time{}, fmt.Errorf("%q is not an ISO week like 2026-W48 (of a year that has it)", week)
	}
	return monday, monday.AddDate(0, 0, 7), nil
}

// PulseRow is one account on a check-in.
type PulseRow struct {
	AccountID int64
	Name      string
	Scored    bool
	Score     float64
	Band      scoring.Band
	Last      *scoring.Pulse // newest pulse of an earlier week
	Answer    *scoring.Pulse // this week's answer, once given
}

// PulsePage is one check-in or reminder message: a page of a CSM's
// accounts, worst score first.
type PulsePage struct {
	Week     string
	Reminder bool
	// Later adds the Later button (a check-in's last page): the check-in
	// comes back PulseLaterHours later, once.
	Later bool
	// Resent: this is that second sending, of the accounts still unanswered.
	Resent bool
	Page   int // 0-based
	Pages  int
	Rows   []PulseRow
	Now    time.Time
}

// PulseText is the notification text of a page.
func PulseText(p PulsePage) string {
	n := len(p.Rows)
	if p.Reminder {
		return fmt.Sprintf("Reminder: %s still without a pulse for %s", plural(n, "account"), p.Week)
	}
	if p.Resent {
		return fmt.Sprintf("Back as you asked: %s to rate for %s", plural(n, "account"), p.Week)
	}
	return fmt.Sprintf("Weekly pulse for %s: %s to rate", p.Week, plural(n, "account"))
}

// PulseBlocks renders a page: a header, one line and one row of buttons per
// account (the recorded answer highlighted), and a footer. Buttons stay
// after an answer so it can be changed.
func PulseBlocks(p PulsePage) []slack.Block {
	title := "Weekly pulse · " + p.Week
	intro := "How are your accounts doing? One click each: *Healthy*, *Concerning* or *Poor*; *Add note* says why. Worst score first."
	if p.Reminder {
		title = "Pulse reminder · " + p.Week
		intro = fmt.Sprintf("%s of yours still %s no pulse this week. A click each is enough.", plural(len(p.Rows), "account"), haveHas(len(p.Rows)))
	}
	if p.Resent {
		title = "Weekly pulse, later · " + p.Week
		intro = fmt.Sprintf("You asked for this check-in later: %s still to rate. A click each is enough.", plural(len(p.Rows), "account"))
	}
	if p.Pages > 1 {
		title += fmt.Sprintf(" (%d/%d)", p.Page+1, p.Pages)
	}
	out := make([]slack.Block, 0, 3+2*len(p.Rows))
	out = append(out, Header(title), Section(intro))
	answered := 0
	for _, r := range p.Rows {
		if r.Answer != nil {
			answered++
		}
		out = append(out, Section(pulseRowText(r, p.Now)), pulseButtons(r, p.Week))
	}
	out = append(out, Context(fmt.Sprintf("%d of %d answered · answers feed the pulse part of the health score · you can change one until the end of next week", answered, len(p.Rows))))
	if p.Later {
		out = append(out, slack.NewActionBlock(PulseLaterBlock, Button(ActionPulseLater, p.Week, fmt.Sprintf("⏰ Later (%dh)", PulseLaterHours))))
	}
	return out
}

// The check-in's Later button (#17): value is the week.
const (
	ActionPulseLater = "pulse_later"
	PulseLaterBlock  = "pulse_later"
	// PulseLaterHours is how long Later puts a check-in off; it works once a week.
	PulseLaterHours = 4
)

// PulseLaterText confirms a Later click.
func PulseLaterText(at time.Time) string {
	return "OK — I'll bring this check-in back at " + at.Format("15:04") + " (once)."
}

// PulseLaterAgainText answers a second Later in the same week.
const PulseLaterAgainText = "This check-in was already put off once this week; it stays here for when you have a minute."

func haveHas(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}

func pulseRowText(r PulseRow, now time.Time) string {
	s := "*" + Esc(r.Name) + "* · "
	if r.Scored {
		s += BandEmoji(r.Band) + " " + Score(r.Score)
	} else {
		s += "⚪ not scored yet"
	}
	if r.Last != nil {
		s += " · last pulse " + RatingEmoji(r.Last.Rating) + " " + RatingName(r.Last.Rating) + " (" + Ago(r.Last.AnsweredAt, now) + ")"
	} else {
		s += " · no pulse yet"
	}
	if a := r.Answer; a != nil {
		s += "\n✅ Recorded: " + RatingEmoji(a.Rating) + " *" + RatingName(a.Rating) + "*"
		if len(a.Reasons) > 0 {
			labels := make([]string, len(a.Reasons))
			for i, c := range a.Reasons {
				labels[i] = ReasonLabel(c)
			}
			s += " — " + Esc(strings.Join(labels, ", "))
		}
		if a.Note != "" {
			s += " · “" + Esc(Truncate(strings.ReplaceAll(a.Note, "\n", " "), 300)) + "”"
		}
	}
	return s
}

func pulseButtons(r PulseRow, week string) *slack.ActionBlock {
	value := PulseValue(r.AccountID, week)
	els := make([]slack.BlockElement, 0, 4)
	for _, rt := range ratings {
		b := Button(ratingAction(rt), value, RatingEmoji(rt)+" "+RatingName(rt))
		if r.Answer != nil && r.Answer.Rating == rt {
			b.Style = slack.StylePrimary
		}
		els = append(els, b)
	}
	els = append(els, Button(ActionPulseNote, value, "📝 Add note"))
	return slack.NewActionBlock(PulseBlockID(r.AccountID), els...)
}

// PulseBlockID is the block ID of an account's buttons on a check-in.
func PulseBlockID(accountID int64) string { return "pulse:" + strconv.FormatInt(accountID, 10) }

// PulseReasons are the reason codes a pulse note can give; the same codes
// outcome questions use.
func PulseReasons() []Reason { return OutcomeReasons() }

// PulseNote is what the note modal is about and what it is prefilled with.
type PulseNote struct {
	AccountID int64
	Name      string
	Week      string
	Rating    scoring.Rating // "" when not answered yet
	Reasons   []string
	Note      string
	// ChannelID and TS name the check-in the modal was opened from, so the
	// submission can redraw it.
	ChannelID, TS string
}

// PulseNoteMeta is the note modal's private_metadata.
func PulseNoteMeta(n PulseNote) string {
	return PulseValue(n.AccountID, n.Week) + "|" + n.ChannelID + "|" + n.TS
}

// ParsePulseNoteMeta reverses PulseNoteMeta.
func ParsePulseNoteMeta(meta string) (PulseNote, error) {
	var n PulseNote
	parts := strings.SplitN(meta, "|", 4)
	if len(parts) != 4 {
		return n, fmt.Errorf("pulse note metadata %q is incomplete", meta)
	}
	id, week, err := ParsePulseValue(parts[0] + "|" + parts[1])
	if err != nil {
		return n, err
	}
	return PulseNote{AccountID: id, Week: week, ChannelID: parts[2], TS: parts[3]}, nil
}

// PulseNoteModal is the modal behind Add note: the rating (required, as a
// pulse always has one), reasons as checkboxes and free text.
func PulseNoteModal(n PulseNote) slack.ModalViewRequest {
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	opts := make([]*slack.OptionBlockObject, len(ratings))
	radio := slack.NewRadioButtonsBlockElement(PulseRatingInput)
	for i, r := range ratings {
		opts[i] = slack.NewOptionBlockObject(string(r), plain(RatingEmoji(r)+" "+RatingName(r)), nil)
		if r == n.Rating {
			radio.InitialOption = opts[i]
		}
	}
	radio.Options = opts
	rating := slack.NewInputBlock(PulseRatingBlock, plain("Rating"), nil, radio)

	boxes := slack.NewCheckboxGroupsBlockElement(PulseReasonsInput, reasonOptions()...)
	for _, o := range boxes.Options {
		for _, r := range n.Reasons {
			if o.Value == r {
				boxes.InitialOptions = append(boxes.InitialOptions, o)
			}
		}
	}
	reasons := slack.NewInputBlock(PulseReasonsBlock, plain("Reasons"), nil, boxes)
	reasons.Optional = true

	text := slack.NewPlainTextInputBlockElement(plain("What changed, in a sentence or two"), PulseNoteInput)
	text.Multiline = true
	text.MaxLength = MaxPulseNote
	// A note stored from /health pulse may be longer than the field takes
	// (https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element):
	// pre-fill what fits.
	text.InitialValue = Truncate(n.Note, MaxPulseNote)
	note := slack.NewInputBlock(PulseNoteBlock, plain("Note"), nil, text)
	note.Optional = true

	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackPulseNote,
		PrivateMetadata: PulseNoteMeta(n),
		Title:           plain("Pulse note"),
		Submit:          plain("Save"),
		Close:           plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			Section("*" + Esc(n.Name) + "* · pulse for " + Esc(n.Week)),
			rating, reasons, note,
		}},
	}
}

// PulseNoteForm reads a submitted note modal: the rating ("" if none was
// picked), known reason codes and the trimmed note.
func PulseNoteForm(state *slack.ViewState) (scoring.Rating, []string, string) {
	if state == nil {
		return "", nil, ""
	}
	rating, _ := scoring.ParseRating(state.Values[PulseRatingBlock][PulseRatingInput].SelectedOption.Value)
	var reasons []string
	for _, o := range state.Values[PulseReasonsBlock][PulseReasonsInput].SelectedOptions {
		if IsReason(o.Value) {
			reasons = append(reasons, o.Value)
		}
	}
	note := strings.TrimSpace(state.Values[PulseNoteBlock][PulseNoteInput].Value)
	return rating, reasons, Truncate(note, MaxPulseNote)
}

// PulseNoteErrors are the note modal's field errors (block_id → message),
// nil when the form can be saved: a rating is required, and a note longer
// than the field allows (a client that skips the field's own limit) is
// refused rather than cut.
func PulseNoteErrors(state *slack.ViewState) map[string]string {
	errs := map[string]string{}
	if state == nil {
		return map[string]string{PulseRatingBlock: "Pick Healthy, Concerning or Poor."}
	}
	if _, ok := scoring.ParseRating(state.Values[PulseRatingBlock][PulseRatingInput].SelectedOption.Value); !ok {
		errs[PulseRatingBlock] = "Pick Healthy, Concerning or Poor."
	}
	if n := Length(strings.TrimSpace(state.Values[PulseNoteBlock][PulseNoteInput].Value)); n > MaxPulseNote {
		errs[PulseNoteBlock] = fmt.Sprintf("The note is %d characters; keep it to %d.", n, MaxPulseNote)
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// IsReason reports whether code is one of PulseReasons.
func IsReason(code string) bool {
	for _, r := range PulseReasons() {
		if r.Code == code {
			return true
		}
	}
	return false
}

// PulseRecordedText confirms an answer given outside a check-in message.
func PulseRecordedText(name string, p scoring.Pulse) string {
	s := "Recorded " + RatingEmoji(p.Rating) + " *" + RatingName(p.Rating) + "* for *" + Esc(name) + "* (" + Esc(p.Week) + ")"
	if len(p.Reasons) > 0 {
		labels := make([]string, len(p.Reasons))
		for i, c := range p.Reasons {
			labels[i] = ReasonLabel(c)
		}
		s += " — " + Esc(strings.Join(labels, ", "))
	}
	if p.Note != "" {
		s += "\n> " + strings.ReplaceAll(Esc(Truncate(p.Note, 1500)), "\n", "\n> ")
	}
	return s
}
