package blocks

import (
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/scoring"
)

// Action IDs of an alert message. Buttons carry the alert id as their
// value; the Assign menu (a users_select, which has no value) finds it in
// its block ID, AlertBlockID.
const (
	ActionAlertAck    = "alert_ack"    // value: alert id; acknowledges
	ActionAlertSnooze = "alert_snooze" // value: alert id; snoozes for AlertSnoozeDays
	ActionAlertAssign = "alert_assign" // users_select in block AlertBlockID(id); assigns
	ActionAlertOpen   = "alert_open"   // value: alert id; shows the account card
	// ActionAlertNotUseful records the clicker's "not useful" vote and
	// opens NotUsefulModal for an optional reason (value: alert id).
	ActionAlertNotUseful   = "alert_not_useful"
	CallbackAlertNotUseful = "alert_not_useful" // private_metadata: alert id
	NotUsefulBlock         = "not_useful_reason"
	NotUsefulInput         = "not_useful_reason_input"
)

// MaxNotUsefulReason bounds the reason (the store's limit).
const MaxNotUsefulReason = 500

// AlertSnoozeDays is how long the Snooze button silences an alert.
const AlertSnoozeDays = 7

const alertBlockPrefix = "alert:"

// AlertBlockID is the block ID of an alert's buttons: "alert:<id>".
func AlertBlockID(id int64) string { return alertBlockPrefix + strconv.FormatInt(id, 10) }

// AlertIDFromBlock reads the alert id back from AlertBlockID.
func AlertIDFromBlock(blockID string) (int64, bool) {
	s, ok := strings.CutPrefix(blockID, alertBlockPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// AlertMessage is what an alert's Slack message shows. Times are already
// in the zone to show them in.
type AlertMessage struct {
	ID           int64
	Account      scoring.Account // Owner filled when known
	Score        scoring.Score   // the account's current score; zero when unscored
	Kind         scoring.AlertKind
	Summary      string // the rule's one line: what changed and the top drivers
	State        scoring.AlertState
	FiredAt      time.Time
	SnoozedUntil time.Time
	ResolvedAt   time.Time
	ActedBy      string // Slack user who acknowledged or snoozed
	AssignedTo   string // Slack user the alert is assigned to
	Resolution   string // resolved: why, in words ("score back to 52")
	Note         string // shown after the state, e.g. "snooze ended Dec 1"
}

// AlertTitle names an alert rule for people.
func AlertTitle(k scoring.AlertKind) string {
	switch k {
	case scoring.AlertTurnedRed:
		return "Turned red"
	case scoring.AlertTrendDrop:
		return "Score dropping"
	case scoring.AlertAdminInactive:
		return "Admin inactive"
	case scoring.AlertUsageDrop:
		return "Active users down"
	case scoring.AlertLicenceDrop:
		return "Licences down"
	case scoring.AlertRenewalRisk:
		return "Renewal at risk"
	case scoring.AlertPulsePoor:
		return "Pulse Poor"
	case scoring.AlertLateInvoice:
		return "Invoices late"
	case scoring.AlertExpansion:
		return "Expansion opportunity"
	}
	return KindName(string(k))
}

// AlertBlocks renders an alert for the alert channel and the owner's DM:
// the account (with an Open card button), the rule's one-line summary, the
// state, and Acknowledge / Snooze / Assign while it is live. A resolved
// alert keeps its text struck through and loses its buttons.
func AlertBlocks(m AlertMessage) []slack.Block {
	id := strconv.FormatInt(m.ID, 10)
	if m.State == scoring.AlertResolved {
		return []slack.Block{
			Section("✅ *" + Esc(m.Account.Name) + "* · " + Esc(AlertTitle(m.Kind)) + " — resolved"),
			Section("~" + Esc(strings.TrimSpace(m.Summary)) + "~"),
			Context(alertFacts(m)),
			Context(alertState(m)),
		}
	}
	head := Section(BandEmoji(m.Score.Band) + " *" + Esc(m.Account.Name) + "* · " + Esc(AlertTitle(m.Kind)) + scoreWords(m.Score))
	head.Accessory = slack.NewAccessory(Button(ActionAlertOpen, id, "Open card"))
	ack := Button(ActionAlertAck, id, "Acknowledge")
	if m.State == scoring.AlertOpen {
		ack.Style = slack.StylePrimary
	}
	assign := slack.NewOptionsSelectBlockElement(slack.OptTypeUser,
		slack.NewTextBlockObject(slack.PlainTextType, "Assign to…", false, false), ActionAlertAssign)
	if m.AssignedTo != "" {
		assign.InitialUser = m.AssignedTo
	}
	return []slack.Block{
		head,
		Section(Esc(m.Summary)),
		Context(alertFacts(m)),
		Context(alertState(m)),
		slack.NewActionBlock(AlertBlockID(m.ID), ack, Button(ActionAlertSnooze, id, "Snooze "+strconv.Itoa(AlertSnoozeDays)+" days"), assign,
			LogButton(m.Account.ID), Button(ActionAlertNotUseful, id, "Not useful")),
	}
}

// NotUsefulModal asks why an alert was not useful; the vote is already
// stored, so the reason is optional and closing the modal loses nothing.
func NotUsefulModal(m AlertMessage) slack.ModalViewRequest {
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	text := slack.NewPlainTextInputBlockElement(plain("e.g. the account is seasonal; the drop is expected"), NotUsefulInput)
	text.MaxLength = MaxNotUsefulReason
	reason := slack.NewInputBlock(NotUsefulBlock, plain("Why not? (optional)"), nil, text)
	reason.Optional = true
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackAlertNotUseful, PrivateMetadata: strconv.FormatInt(m.ID, 10),
		Title: plain("Not useful"), Submit: plain("Send"), Close: plain("Skip"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			Section("Marked *" + Esc(AlertTitle(m.Kind)) + "* on *" + Esc(Truncate(m.Account.Name, 200)) + "* as not useful. " +
				"Rules marked not useful more than half the time are named in the digest with the threshold to tune."),
			reason,
		}},
	}
}

// NotUsefulReason reads the modal's reason.
func NotUsefulReason(state *slack.ViewState) string {
	if state == nil {
		return ""
	}
	return Truncate(strings.TrimSpace(state.Values[NotUsefulBlock][NotUsefulInput].Value), MaxNotUsefulReason)
}

// AlertAssignedBlocks is the DM to the person an alert was just assigned
// to: who assigned what, the rule's summary, and Open card. The buttons
// that change the alert stay on its channel and owner messages, which the
// bot keeps up to date; a copy here would go stale.
func AlertAssignedBlocks(m AlertMessage, assignedBy string) []slack.Block {
	head := Section("👤 <@" + Esc(assignedBy) + "> assigned you an alert: " + BandEmoji(m.Score.Band) + " *" +
		Esc(m.Account.Name) + "* · " + Esc(AlertTitle(m.Kind)) + scoreWords(m.Score))
	head.Accessory = slack.NewAccessory(Button(ActionAlertOpen, strconv.FormatInt(m.ID, 10), "Open card"))
	return []slack.Block{
		head,
		Section(Esc(m.Summary)),
		Context(alertFacts(m)),
		Context(alertState(m) + " · Acknowledge or snooze it from the alert message."),
	}
}

// AlertAssignedText is the notification text of AlertAssignedBlocks.
func AlertAssignedText(m AlertMessage, assignedBy string) string {
	return "<@" + assignedBy + "> assigned you an alert: " + m.Account.Name + " · " + AlertTitle(m.Kind)
}

// AlertText is the notification text of an alert message.
func AlertText(m AlertMessage) string {
	if m.State == scoring.AlertResolved {
		return "✅ Resolved: " + m.Account.Name + " · " + AlertTitle(m.Kind)
	}
	return BandEmoji(m.Score.Band) + " " + m.Account.Name + " · " + AlertTitle(m.Kind) + ": " + m.Summary
}

// AlertStillText is the thread reply when a snooze ends on an alert whose
// condition still holds.
func AlertStillText(m AlertMessage) string {
	return "⏰ Snooze over, still " + strings.ToLower(AlertTitle(m.Kind)[:1]) + AlertTitle(m.Kind)[1:] + ": " + Esc(m.Summary)
}

func scoreWords(s scoring.Score) string {
	if !s.HasScore() {
		return ""
	}
	return " · " + Score(s.Value) + " (" + BandName(s.Band) + ")"
}

func alertFacts(m AlertMessage) string {
	a := m.Account
	var facts []string
	if a.Segment != "" {
		facts = append(facts, Esc(a.Segment))
	}
	facts = append(facts, "Owner: "+ownerText(a.Owner))
	if a.MRR > 0 {
		facts = append(facts, "MRR "+Money(a.MRR))
	}
	if !a.RenewalDate.IsZero() {
		facts = append(facts, "Renews "+Date(a.RenewalDate))
	}
	return strings.Join(facts, " · ")
}

// alertState is the state line: who did what, and when.
func alertState(m AlertMessage) string {
	var s string
	switch m.State {
	case scoring.AlertResolved:
		s = "✅ Resolved " + shortDate(m.ResolvedAt)
		if m.Resolution != "" {
			s += ": " + Esc(m.Resolution)
		}
	case scoring.AlertAcknowledged:
		s = "👀 Acknowledged" + by(m.ActedBy)
	case scoring.AlertSnoozed:
		s = "💤 Snoozed until " + shortDate(m.SnoozedUntil) + by(m.ActedBy)
	default:
		s = "🔔 Open since " + shortDate(m.FiredAt)
	}
	if m.AssignedTo != "" {
		s += " · 👤 Assigned to <@" + Esc(m.AssignedTo) + ">"
	}
	if m.Note != "" {
		s += " · " + Esc(m.Note)
	}
	return s
}

func by(user string) string {
	if user == "" {
		return ""
	}
	return " by <@" + Esc(user) + ">"
}

// shortDate is "Dec 1": alerts live for days or weeks, so the year would
// only add noise.
func shortDate(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.Format("Jan 2")
}

// AlertSummary is the daily DM of the alerts a person's weekly budget held
// back (#17), highest priority first.
type AlertSummary struct {
	Alerts  []AlertMessage
	Budget  int    // alert DMs a week
	Channel string // the alert channel, "" when none
}

// maxSummaryLines bounds the summary's lines; the rest are counted.
const maxSummaryLines = 20

// AlertSummaryText is the summary's notification text.
func AlertSummaryText(s AlertSummary) string {
	names := make([]string, 0, 3)
	for i, m := range s.Alerts {
		if i == 3 {
			names = append(names, "…")
			break
		}
		names = append(names, m.Account.Name+" · "+AlertTitle(m.Kind))
	}
	return strconv.Itoa(len(s.Alerts)) + " more alerts today: " + strings.Join(names, ", ")
}

// AlertSummaryBlocks lists the held-back alerts, one line each.
func AlertSummaryBlocks(s AlertSummary) []slack.Block {
	where := "on the accounts' cards"
	if s.Channel != "" {
		where = "in <#" + Esc(s.Channel) + "> and on the accounts' cards"
	}
	out := []slack.Block{Section("*" + strconv.Itoa(len(s.Alerts)) + " more alerts today* — you had your " +
		strconv.Itoa(s.Budget) + " alert DMs this week, so these come together. Each is " + where + ".")}
	lines := make([]string, 0, min(len(s.Alerts), maxSummaryLines)+1)
	for i, m := range s.Alerts {
		if i == maxSummaryLines {
			lines = append(lines, "_and "+strconv.Itoa(len(s.Alerts)-i)+" more_")
			break
		}
		lines = append(lines, "• "+BandEmoji(m.Score.Band)+" *"+Esc(m.Account.Name)+"* · "+Esc(AlertTitle(m.Kind))+" — "+Esc(Truncate(m.Summary, 200)))
	}
	return append(out, Sections(lines)...)
}
