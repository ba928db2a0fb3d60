package blocks

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/scoring"
)

// TeamView is the managers' view of the CSMs' week (#17): `/health team`,
// and the lines the digest adds. Never shown to other CSMs.
type TeamView struct {
	Week        string
	Rows        []TeamRow
	MostlyGreen []scoring.PulseHonestyReport // flagged CSMs
	Thresholds  scoring.HonestyThresholds
	Alerts      []RuleStats // per rule, the last 30 days
}

// TeamRow is one CSM.
type TeamRow struct {
	CSM             scoring.CSM
	Answered, Total int       // this pulse week
	AwayUntil       time.Time // zero: present
	Cover           scoring.CSM
	Honesty         *scoring.PulseHonestyReport // nil: no pulse history
}

// RuleStats is one alert rule's record; Tune names the threshold when the
// rule is marked not useful more than half the time.
type RuleStats struct {
	Kind         scoring.AlertKind
	Fired        int
	Acknowledged int
	AckMedian    time.Duration
	Snoozed      int
	NotUseful    int
	Reasons      []string
	Tune         string
}

func pct(x float64) string { return fmt.Sprintf("%.0f %%", 100*x) }

// MostlyGreenLine is the digest's line for a flagged CSM.
func MostlyGreenLine(h scoring.PulseHonestyReport, th scoring.HonestyThresholds) string {
	name := h.CSMName
	if name == "" {
		name = fmt.Sprintf("CSM %d", h.CSMID)
	}
	return fmt.Sprintf("🟩 *%s* rates %s of answers Healthy while the data puts %s of their accounts in red (flag: ≥ %s Healthy, ≥ %s red) · disagrees with the data %s of the time",
		Esc(name), pct(h.Healthy), pct(h.RedAccounts), pct(th.Healthy), pct(th.Red), pct(h.Disagree))
}

// ChurnRankText is how well a CSM's ratings ranked later churn.
func ChurnRankText(h scoring.PulseHonestyReport) string {
	if !h.Judged {
		return "not enough churn to judge"
	}
	return fmt.Sprintf("churn AUC %.2f (95 %% CI %.2f–%.2f)", h.AUC, h.CI[0], h.CI[1])
}

// TeamLine is one CSM in /health team.
func TeamLine(r TeamRow, week string) string {
	name := r.CSM.Name
	if name == "" {
		name = r.CSM.Email
	}
	s := "*" + Esc(name) + "*"
	switch {
	case !r.AwayUntil.IsZero():
		s += " · 🌴 away until " + r.AwayUntil.Format("Jan 2")
		if r.Cover.ID != 0 {
			s += " (cover: " + Esc(r.Cover.Name) + ")"
		}
	case r.Total > 0:
		s += fmt.Sprintf(" · pulse %s: %d of %d", week, r.Answered, r.Total)
	}
	if h := r.Honesty; h != nil {
		s += fmt.Sprintf(" · %d answers: %s Healthy, %s Concerning, %s Poor", h.Answers, pct(h.Healthy), pct(h.Concerning), pct(h.Poor))
		if h.Compared > 0 {
			s += " · agrees with the data " + pct(1-h.Disagree)
		}
		s += " · " + ChurnRankText(*h)
		if h.MostlyGreen {
			s += " · 🟩 *mostly green*"
		}
	} else {
		s += " · no pulse history"
	}
	return s
}

// RuleStatsLine is one rule's record in the digest and /health team.
func RuleStatsLine(s RuleStats) string {
	line := fmt.Sprintf("*%s* · fired %d · acknowledged %d", Esc(AlertTitle(s.Kind)), s.Fired, s.Acknowledged)
	if s.Acknowledged > 0 {
		line += " (median " + shortDuration(s.AckMedian) + ")"
	}
	line += fmt.Sprintf(" · snoozed %d · not useful %d", s.Snoozed, s.NotUseful)
	if s.Tune != "" {
		line += "\n   ⚠️ marked not useful more than half the time — tune " + Esc(s.Tune)
		if len(s.Reasons) > 0 {
			line += " · reasons: “" + Esc(Truncate(strings.Join(s.Reasons, "”, “"), 300)) + "”"
		}
	}
	return line
}

func shortDuration(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%.0f min", d.Minutes())
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}

// TeamBlocks is `/health team`.
func TeamBlocks(v TeamView) []slack.Block {
	out := []slack.Block{Header("Team · pulse " + v.Week)}
	if len(v.Rows) == 0 {
		return append(out, Section("No CSM owns a live account or has answered a pulse."))
	}
	lines := make([]string, len(v.Rows))
	for i, r := range v.Rows {
		lines[i] = TeamLine(r, v.Week)
	}
	out = append(out, Sections(lines)...)
	if len(v.Alerts) > 0 {
		al := []string{"*🔔 Alerts, last 30 days*"}
		for _, s := range v.Alerts {
			al = append(al, RuleStatsLine(s))
		}
		out = append(out, Sections(al)...)
	}
	return append(out, Context(fmt.Sprintf("Mostly green: ≥ %s Healthy while the data puts ≥ %s of the CSM's accounts in red (alerts.mostly_green_* in the scorecard). Managers only.",
		pct(v.Thresholds.Healthy), pct(v.Thresholds.Red))))
}

// TeamText is /health team's notification text.
func TeamText(v TeamView) string {
	return fmt.Sprintf("Team · pulse %s · %d CSMs, %d mostly green", v.Week, len(v.Rows), len(v.MostlyGreen))
}

// DigestWeekBlocks are the digest's additions for managers: one line per
// mostly-green CSM and the alert rules' record with the noisy ones named
// (away CSMs show in the pulse section).
func DigestWeekBlocks(v TeamView) []slack.Block {
	var out []slack.Block
	if len(v.MostlyGreen) > 0 {
		lines := []string{fmt.Sprintf("*🟩 Mostly-green pulses (%d)*", len(v.MostlyGreen))}
		for _, h := range v.MostlyGreen {
			lines = append(lines, MostlyGreenLine(h, v.Thresholds))
		}
		out = append(out, Sections(lines)...)
	}
	if len(v.Alerts) > 0 {
		al := []string{"*🔔 Alert rules, last 30 days*"}
		for _, s := range v.Alerts {
			al = append(al, RuleStatsLine(s))
		}
		out = append(out, Sections(al)...)
	}
	return out
}
