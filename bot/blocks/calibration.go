package blocks

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// Action IDs of a calibration proposal in the ops channel; each button
// carries the scorecard version id as its value.
const (
	ActionCalibrationApprove = "calibration_approve"
	ActionCalibrationDismiss = "calibration_dismiss"
)

// CalibrationBlockID is the block of a proposal's buttons.
const CalibrationBlockID = "calibration_decide"

// Calibration is a proposed scorecard version as the ops channel sees it.
type Calibration struct {
	VersionID int64
	Source    string // "calibrate (monthly)"
	CreatedAt time.Time
	InForce   string  // the scorecards it would replace
	AUCBefore float64 // held out, the scorecards in force
	AUCAfter  float64 // held out, the fitted ones
	Summary   string  // the dry-run diff in words, one line per finding
	Status    string  // "proposed", "approved" or "dismissed"
	DecidedBy string  // Slack user ID, or a name for decisions made elsewhere
	DecidedAt time.Time
}

// CalibrationText is the notification text of a proposal.
func CalibrationText(c Calibration) string {
	return fmt.Sprintf("Calibration proposal %d: held-out AUC %.2f → %.2f. Approve or dismiss.", c.VersionID, c.AUCBefore, c.AUCAfter)
}

// CalibrationNothingText is the ops-channel note of a calibration that
// proposes nothing; reason says why ("no weights could be fitted: …").
func CalibrationNothingText(month time.Time, reason string) string {
	return fmt.Sprintf("Scorecard calibration %s: nothing to propose, %s. The scorecards in force stay as they are.",
		month.Format("January 2006"), Esc(reason))
}

// CalibrationAlreadyDecided answers a click on a proposal someone already
// approved or dismissed.
func CalibrationAlreadyDecided(c Calibration) string {
	return fmt.Sprintf("Calibration %d was already %s%s on %s; nothing changed.", c.VersionID, c.Status, decider(c.DecidedBy), Date(c.DecidedAt))
}

// CalibrationBlocks renders a proposal: what changes (AUC before → after,
// the accounts that would change band, the weights) with Approve and
// Dismiss; once decided, who decided and when, without buttons.
func CalibrationBlocks(c Calibration) []slack.Block {
	out := []slack.Block{
		Header(fmt.Sprintf("Scorecard calibration %s", c.CreatedAt.Format("January 2006"))),
		Section(fmt.Sprintf("Refitted the weights on your churn history. Held-out AUC *%.2f → %.2f* (higher ranks churners better). "+
			"Nothing changes until someone approves; scoring then uses version %d from its next run.", c.AUCBefore, c.AUCAfter, c.VersionID)),
	}
	out = append(out, Sections(summaryLines(c.Summary))...)
	out = append(out, Context("Replaces: "+Esc(c.InForce)+" · proposal "+strconv.FormatInt(c.VersionID, 10)+" · "+Esc(c.Source)))
	id := strconv.FormatInt(c.VersionID, 10)
	switch c.Status {
	case "approved":
		out = append(out, Context("✅ Approved"+decider(c.DecidedBy)+" on "+Date(c.DecidedAt)+": in force from the next scoring run."))
	case "dismissed":
		out = append(out, Context("✖️ Dismissed"+decider(c.DecidedBy)+" on "+Date(c.DecidedAt)+": the scorecards in force stay as they are."))
	default:
		approve := Button(ActionCalibrationApprove, id, "Approve")
		approve.Style = slack.StylePrimary
		approve.Confirm = slack.NewConfirmationBlockObject(
			slack.NewTextBlockObject(slack.PlainTextType, "Use the new weights?", false, false),
			md(fmt.Sprintf("Scoring will use version %d from its next run; bands may move as listed.", c.VersionID)),
			slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false),
			slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false))
		out = append(out, slack.NewActionBlock(CalibrationBlockID, approve, Button(ActionCalibrationDismiss, id, "Dismiss")))
	}
	return out
}

// summaryLines escapes the summary and makes its first line a lead-in.
func summaryLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, Esc(l))
		}
	}
	return out
}

// decider mentions a Slack user; a name from elsewhere (the CLI) reads as is.
func decider(who string) string {
	if who == "" {
		return ""
	}
	if IsSlackUserID(who) {
		return by(who)
	}
	return " by " + Esc(who)
}

// IsSlackUserID reports whether s looks like a Slack user ID (U… or W…,
// capitals and digits), which a message can mention as <@ID>.
func IsSlackUserID(s string) bool {
	if len(s) < 3 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for _, r := range s[1:] {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
