package blocks

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/scoring"
)

// Card is what the account card shows.
type Card struct {
	Account   scoring.Account // Owner filled when known
	Score     scoring.Score   // zero AsOf: not scored yet
	Delta7    *float64        // nil: no score a week earlier
	Delta28   *float64
	History   []Point // weekly points, oldest first (see Weekly)
	LastPulse *scoring.Pulse
	Alerts    []Alert
	TextChart bool   // draw history as a sparkline only, no data-visualisation block
	SharedBy  string // Slack user id: rendered for the channel, without the Share button
	Now       time.Time
	// Containers groups the drivers and the open alerts in collapsible
	// container blocks (https://docs.slack.dev/reference/block-kit/blocks/container-block);
	// false: plain sections, for Slack clients that refuse containers.
	Containers bool
	// Timeline, when set, shows the newest touchpoints (CardTimeline) and
	// adds the Log button; nil leaves both out (no timeline wired).
	Timeline *Timeline
}

// Alert is an open alert as the card lists it.
type Alert struct {
	Kind         string
	Summary      string
	State        string
	FiredAt      time.Time
	SnoozedUntil time.Time
}

// Drivers shown on each side of the card.
const cardDrivers = 3

// CardBlocks renders the account card (DESIGN §5).
func CardBlocks(c Card) []slack.Block {
	a := c.Account
	out := []slack.Block{Header(a.Name), Section(scoreLine(c)), Context(accountFacts(a, c.Now)...)}
	if u := c.Score.Unscored; u != nil && !c.Score.HasScore() && !c.Score.AsOf.IsZero() {
		out = append(out, Section(unscoredText(*u)))
	}
	if c.Score.HasScore() {
		out = append(out, historyBlocks(c)...)
		if f := subscoreFields(c.Score); len(f) > 0 {
			out = append(out, slack.NewSectionBlock(nil, f, nil))
		}
		var drivers []slack.Block
		if d := driverText(c.Score.Drivers, true); d != "" {
			drivers = append(drivers, Section("*What pulls it down*\n"+d))
		}
		if d := driverText(c.Score.Drivers, false); d != "" {
			drivers = append(drivers, Section("*What holds it up*\n"+d))
		}
		out = append(out, group(c.Containers, "Drivers", "what moves the score, in words", false, drivers)...)
	}
	if w := waitingText(c.Score.Drivers); w != "" {
		out = append(out, Context(w))
	}
	out = append(out, Section(pulseText(c)))
	if c.Timeline != nil {
		out = append(out, Section(timelineText(*c.Timeline, a.Name)))
	}
	if len(c.Alerts) > 0 {
		title := fmt.Sprintf("Open alerts (%d)", len(c.Alerts))
		out = append(out, group(c.Containers, title, "", true, []slack.Block{Section(alertText(c.Alerts, c.Now))})...)
	}
	if c.SharedBy != "" {
		out = append(out, Context("Shared by <@"+Esc(c.SharedBy)+">"))
	} else {
		buttons := []slack.BlockElement{Button(ActionShare, strconv.FormatInt(a.ID, 10), "Share in channel")}
		if c.Timeline != nil {
			buttons = append(buttons, LogButton(a.ID))
		}
		out = append(out, slack.NewActionBlock("card_actions", buttons...))
	}
	return out
}

// group returns bs in one collapsible container titled title when
// containers is set (collapsed at first when collapsed), else bs as they are.
func group(containers bool, title, subtitle string, collapsed bool, bs []slack.Block) []slack.Block {
	if !containers || len(bs) == 0 {
		return bs
	}
	c := slack.NewContainerBlock(bs...)
	c.Title = slack.NewTextBlockObject(slack.PlainTextType, Truncate(title, 150), false, false)
	if subtitle != "" {
		c.Subtitle = slack.NewTextBlockObject(slack.PlainTextType, Truncate(subtitle, 150), false, false)
	}
	c.IsCollapsible, c.DefaultCollapsed = true, collapsed
	return []slack.Block{c}
}

// CardText is the notification/fallback text of a card.
func CardText(c Card) string {
	if !c.Score.HasScore() {
		return c.Account.Name + ": " + notScoredWords(c.Score)
	}
	return fmt.Sprintf("%s: %s %s (%s)", c.Account.Name, BandEmoji(c.Score.Band), Score(c.Score.Value), BandName(c.Score.Band))
}

func notScoredWords(s scoring.Score) string {
	if s.AsOf.IsZero() {
		return "not scored yet"
	}
	return "not enough data to score"
}

// unscoredText says what a "not enough data" score lacks and the next step.
func unscoredText(u scoring.NotEnoughData) string {
	var lines []string
	if len(u.Missing) > 0 {
		lines = append(lines, "*Missing:* "+Esc(strings.Join(u.Missing, ", ")))
	}
	if len(u.TooOld) > 0 {
		lines = append(lines, "*Too old to count:* "+Esc(strings.Join(u.TooOld, ", ")))
	}
	if len(u.Families) > 0 {
		fs := make([]string, len(u.Families))
		for i, f := range u.Families {
			fs[i] = string(f)
		}
		lines = append(lines, "*No data in:* "+Esc(strings.Join(fs, ", ")))
	}
	if len(u.Waiting) > 0 {
		lines = append(lines, "*Waiting for a direction:* "+Esc(strings.Join(u.Waiting, ", ")))
	}
	return strings.Join(append(lines, "*Next:* "+Esc(u.Next)), "\n")
}

// waitingText lists, as context, the discovered metrics the account has
// whose direction is not known yet: shown, never scored.
func waitingText(ds []scoring.Contribution) string {
	var parts []string
	for _, d := range ds {
		if d.DirectionUnknown && !d.Candidate {
			label := d.Label
			if label == "" {
				label = d.Metric
			}
			parts = append(parts, "*"+Esc(label)+"*: "+Esc(strings.TrimSuffix(d.Detail, scoring.DirectionUnknownNote)))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	more := ""
	if len(parts) > cardDrivers+2 {
		more = fmt.Sprintf(" · and %d more", len(parts)-cardDrivers-2)
		parts = parts[:cardDrivers+2]
	}
	return "Not scored until their direction is known: " + strings.Join(parts, " · ") + more
}

func scoreLine(c Card) string {
	s := c.Score
	switch {
	case s.AsOf.IsZero():
		return "⚪ *Not scored yet* — the card fills in after the first scoring run. Here is what is stored so far."
	case !s.HasScore():
		return fmt.Sprintf("⚪ *Not enough data* to score (%d%% of the weighted data present, as of %s).",
			int(math.Round(s.Confidence*100)), Date(s.AsOf))
	}
	line := fmt.Sprintf("%s *%s* / 100 · %s · 7d %s · 28d %s", BandEmoji(s.Band), Score(s.Value), BandName(s.Band),
		Delta(c.Delta7), Delta(c.Delta28))
	meta := "as of " + Date(s.AsOf)
	if s.Scorecard != "" {
		meta += " · scorecard " + Esc(s.Scorecard)
	}
	meta += fmt.Sprintf(" · confidence %d%%", int(math.Round(s.Confidence*100)))
	return line + "\n_" + meta + "_"
}

func accountFacts(a scoring.Account, now time.Time) []string {
	var facts []string
	if a.Segment != "" {
		facts = append(facts, "*"+Esc(a.Segment)+"*")
	}
	facts = append(facts, "Owner: "+ownerText(a.Owner))
	facts = append(facts, "MRR "+Money(a.MRR))
	if !a.RenewalDate.IsZero() {
		facts = append(facts, "Renews "+Date(a.RenewalDate)+" ("+Until(a.RenewalDate, now)+")")
	}
	if a.Seats > 0 {
		facts = append(facts, strconv.Itoa(a.Seats)+" seats")
	}
	if a.Plan != "" {
		facts = append(facts, Esc(a.Plan))
	}
	if a.Domain != "" {
		facts = append(facts, Esc(a.Domain))
	}
	if !a.ChurnedAt.IsZero() {
		facts = append(facts, "*Churned "+Date(a.ChurnedAt)+"*")
	}
	return []string{strings.Join(facts, " · ")}
}

func ownerText(o scoring.CSM) string {
	switch {
	case o.SlackUserID != "":
		return "<@" + Esc(o.SlackUserID) + ">"
	case o.Name != "":
		return Esc(o.Name)
	case o.Email != "":
		return Esc(o.Email)
	}
	return "nobody"
}

func historyBlocks(c Card) []slack.Block {
	if len(c.History) == 0 {
		return nil
	}
	title := "Score, last " + plural(len(c.History), "week")
	if !c.TextChart {
		if ch := LineChart(title, c.History); ch != nil {
			return []slack.Block{ch}
		}
	}
	return []slack.Block{Context(SparklineText(c.History))}
}

func subscoreFields(s scoring.Score) []*slack.TextBlockObject {
	var fields []*slack.TextBlockObject
	for _, f := range familiesOf(s.Subscores) {
		v := s.Subscores[f]
		fields = append(fields, md(fmt.Sprintf("*%s*  %s\n`%s`", familyName(f), Score(v), bar(v, 10))))
	}
	return fields
}

// familiesOf lists the families present, built-ins in display order first.
func familiesOf(subs map[scoring.Family]float64) []scoring.Family {
	var out []scoring.Family
	seen := map[scoring.Family]bool{}
	for _, f := range scoring.Families {
		if _, ok := subs[f]; ok {
			out = append(out, f)
			seen[f] = true
		}
	}
	var rest []scoring.Family
	for f := range subs {
		if !seen[f] {
			rest = append(rest, f)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i] < rest[j] })
	out = append(out, rest...)
	if len(out) > 10 { // Slack: at most 10 fields
		out = out[:10]
	}
	return out
}

func familyName(f scoring.Family) string {
	s := string(f)
	if s == "" {
		return "Other"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func bar(v float64, width int) string {
	n := int(math.Round(math.Max(0, math.Min(100, v)) / 100 * float64(width)))
	return strings.Repeat("█", n) + strings.Repeat("░", width-n)
}

// driverText lists the strongest negative (or positive) contributions in words.
func driverText(ds []scoring.Contribution, negative bool) string {
	var picked []scoring.Contribution
	for _, d := range ds {
		if (negative && d.Contribution < -0.05) || (!negative && d.Contribution > 0.05) {
			picked = append(picked, d)
		}
	}
	sort.SliceStable(picked, func(i, j int) bool {
		if negative {
			return picked[i].Contribution < picked[j].Contribution
		}
		return picked[i].Contribution > picked[j].Contribution
	})
	if len(picked) > cardDrivers {
		picked = picked[:cardDrivers]
	}
	lines := make([]string, len(picked))
	for i, d := range picked {
		lines[i] = "• " + driverLine(d)
	}
	return strings.Join(lines, "\n")
}

func driverLine(d scoring.Contribution) string {
	label := d.Label
	if label == "" {
		label = d.Metric
	}
	// The scorer's Detail already says how old stale data is; without one,
	// say it here.
	detail := d.Detail
	if detail == "" {
		detail = "scores " + Score(d.Score) + " of 100"
		if d.StalenessFactor > 0 && d.StalenessFactor < 1 {
			detail += fmt.Sprintf(", data %d days old, counts %d%%", int(math.Round(d.AgeDays)), int(math.Round(d.StalenessFactor*100)))
		}
	}
	return fmt.Sprintf("*%s*: %s (%+.1f pts)", Esc(label), Esc(detail), d.Contribution)
}

func pulseText(c Card) string {
	p := c.LastPulse
	if p == nil {
		return "*Last pulse*: none yet."
	}
	s := fmt.Sprintf("*Last pulse*: %s %s", RatingEmoji(p.Rating), RatingName(p.Rating))
	if len(p.Reasons) > 0 {
		s += " — " + Esc(strings.ReplaceAll(strings.Join(p.Reasons, ", "), "_", " "))
	}
	who := p.CSMName
	if who == "" {
		who = "someone"
	}
	s += fmt.Sprintf("\n_by %s, %s (%s)_", Esc(who), Ago(p.AnsweredAt, c.Now), Esc(p.Week))
	if p.Note != "" {
		s += "\n> " + strings.ReplaceAll(Esc(Truncate(p.Note, 1500)), "\n", "\n> ")
	}
	if w := disagreement(c.Score, p, c.Now); w != "" {
		s += "\n⚠️ " + w
	}
	return s
}

// disagreement says when a recent pulse contradicts the data.
func disagreement(s scoring.Score, p *scoring.Pulse, now time.Time) string {
	if !s.HasScore() || DaysBetween(p.AnsweredAt, now) > 30 {
		return ""
	}
	switch {
	case p.Rating == scoring.RatingHealthy && s.Band == scoring.BandRed:
		return "The pulse says Healthy but the data says Red."
	case p.Rating == scoring.RatingPoor && s.Band == scoring.BandGreen:
		return "The pulse says Poor but the data says Green."
	}
	return ""
}

func alertText(as []Alert, now time.Time) string {
	lines := []string{fmt.Sprintf("*Open alerts* (%d)", len(as))}
	for _, a := range as {
		l := "• 🔔 *" + Esc(KindName(a.Kind)) + "*"
		if a.Summary != "" {
			l += " — " + Esc(a.Summary)
		}
		l += " _(" + Ago(a.FiredAt, now)
		switch {
		case a.State == "snoozed" && !a.SnoozedUntil.IsZero():
			l += ", snoozed until " + Date(a.SnoozedUntil)
		case a.State != "" && a.State != "open":
			l += ", " + Esc(a.State)
		}
		lines = append(lines, l+")_")
	}
	return strings.Join(lines, "\n")
}

// KindName turns an alert kind like "turned_red" into "Turned red".
func KindName(kind string) string {
	s := strings.ReplaceAll(strings.ReplaceAll(kind, "_", " "), "-", " ")
	if s == "" {
		return "Alert"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
