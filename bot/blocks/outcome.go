package blocks

import (
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/scoring"
)

// Action, block and callback IDs of the outcome question (why did an
// account churn or renew). The reason menu finds the outcome id in its
// block ID, OutcomeBlockID; the note button carries it as its value; the
// modal carries it as private_metadata.
const (
	ActionOutcomeReason = "outcome_reason" // static_select in block OutcomeBlockID(id)
	ActionOutcomeNote   = "outcome_note"   // value: outcome id; opens the note modal
	CallbackOutcomeNote = "outcome_note"   // the modal's callback_id
	OutcomeReasonsBlock = "outcome_reasons"
	OutcomeNoteBlock    = "outcome_note"
	OutcomeReasonsInput = "reasons"
	OutcomeNoteInput    = "note"
)

const outcomeBlockPrefix = "outcome:"

// OutcomeBlockID is the block ID of an outcome question's controls.
func OutcomeBlockID(id int64) string { return outcomeBlockPrefix + strconv.FormatInt(id, 10) }

// OutcomeIDFromBlock reads the outcome id back from OutcomeBlockID.
func OutcomeIDFromBlock(blockID string) (int64, bool) {
	s, ok := strings.CutPrefix(blockID, outcomeBlockPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// Reason is a reason code with its label.
type Reason struct {
	Code  string
	Label string
}

// OutcomeReasons are the reason codes an owner can give, the same codes
// pulses use.
func OutcomeReasons() []Reason {
	return []Reason{
		{"champion_left", "Champion left"},
		{"budget_cut", "Budget cut"},
		{"low_adoption", "Low adoption"},
		{"product_gaps", "Product gaps"},
		{"support_issues", "Support issues"},
		{"expanding", "Expanding"},
		{"happy_sponsor", "Happy sponsor"},
		{"other", "Other"},
	}
}

// ReasonLabel is a reason code's label; unknown codes read as words.
func ReasonLabel(code string) string {
	for _, r := range OutcomeReasons() {
		if r.Code == code {
			return r.Label
		}
	}
	return KindName(code)
}

// OutcomeQuestion is the DM asking an owner why an account churned or renewed.
type OutcomeQuestion struct {
	ID          int64
	Account     scoring.Account
	Kind        string    // "churn" or "renewal"
	OccurredOn  time.Time // churn date, or the renewal date that was renewed
	NextRenewal time.Time
	Reasons     []string // the answer so far
	Note        string
	AnsweredBy  string // Slack user
}

// OutcomeBlocks renders the question with a reason menu and an Add note
// button; once answered it shows the answer and keeps the controls so the
// owner can change it.
func OutcomeBlocks(q OutcomeQuestion) []slack.Block {
	menu := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic,
		slack.NewTextBlockObject(slack.PlainTextType, "Pick the main reason", false, false), ActionOutcomeReason, reasonOptions()...)
	if len(q.Reasons) > 0 {
		for _, o := range menu.Options {
			if o.Value == q.Reasons[0] {
				menu.InitialOption = o
			}
		}
	}
	out := []slack.Block{
		Section(outcomeAsk(q)),
		slack.NewActionBlock(OutcomeBlockID(q.ID), menu, Button(ActionOutcomeNote, strconv.FormatInt(q.ID, 10), "Add a note…")),
	}
	if q.AnsweredBy != "" {
		out = append(out, Context(outcomeAnswer(q)))
	}
	return out
}

// OutcomeText is the notification text of the question.
func OutcomeText(q OutcomeQuestion) string {
	if q.Kind == "renewal" {
		return q.Account.Name + " renewed: what made it work?"
	}
	return q.Account.Name + " churned: what was the main reason?"
}

func outcomeAsk(q OutcomeQuestion) string {
	name := "*" + Esc(q.Account.Name) + "*"
	if q.Kind == "renewal" {
		s := name + " renewed (it was due " + Date(q.OccurredOn)
		if !q.NextRenewal.IsZero() {
			s += "; next renewal " + Date(q.NextRenewal)
		}
		return s + "). 🎉 What made it work? Your answer helps tune the health score."
	}
	return name + " churned on " + Date(q.OccurredOn) + ". What was the main reason? Your answer helps tune the health score."
}

func outcomeAnswer(q OutcomeQuestion) string {
	labels := make([]string, len(q.Reasons))
	for i, r := range q.Reasons {
		labels[i] = ReasonLabel(r)
	}
	s := "✅ Recorded"
	if len(labels) > 0 {
		s += ": " + Esc(strings.Join(labels, ", "))
	}
	if q.Note != "" {
		s += " — “" + Esc(Truncate(q.Note, 300)) + "”"
	}
	return s + by(q.AnsweredBy)
}

func reasonOptions() []*slack.OptionBlockObject {
	rs := OutcomeReasons()
	out := make([]*slack.OptionBlockObject, len(rs))
	for i, r := range rs {
		out[i] = slack.NewOptionBlockObject(r.Code, slack.NewTextBlockObject(slack.PlainTextType, r.Label, false, false), nil)
	}
	return out
}

// MaxOutcomeNote bounds the note (Slack's plain-text input allows 3000).
const MaxOutcomeNote = 2000

// OutcomeNoteModal is the modal behind Add a note: every reason as a
// checkbox and a free-text note, prefilled with the answer so far.
func OutcomeNoteModal(q OutcomeQuestion) slack.ModalViewRequest {
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	boxes := slack.NewCheckboxGroupsBlockElement(OutcomeReasonsInput, reasonOptions()...)
	for _, o := range boxes.Options {
		for _, r := range q.Reasons {
			if o.Value == r {
				boxes.InitialOptions = append(boxes.InitialOptions, o)
			}
		}
	}
	reasons := slack.NewInputBlock(OutcomeReasonsBlock, plain("Reasons"), nil, boxes)
	reasons.Optional = true
	text := slack.NewPlainTextInputBlockElement(plain("What happened, in a sentence or two"), OutcomeNoteInput)
	text.Multiline = true
	text.MaxLength = MaxOutcomeNote
	text.InitialValue = q.Note
	note := slack.NewInputBlock(OutcomeNoteBlock, plain("Note"), nil, text)
	note.Optional = true
	verb, title := "churned", "Churn reason"
	if q.Kind == "renewal" {
		verb, title = "renewed", "Renewal reason"
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackOutcomeNote,
		PrivateMetadata: strconv.FormatInt(q.ID, 10),
		Title:           plain(title),
		Submit:          plain("Save"),
		Close:           plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			Section("Why *" + Esc(q.Account.Name) + "* " + verb + ": tick what applies and add anything worth remembering."),
			reasons,
			note,
		}},
	}
}
