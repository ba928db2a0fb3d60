package blocks

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/scoring"
)

// DigestView is the Monday digest as the digest channel sees it.
type DigestView struct {
	Digest    scoring.Digest
	Now       time.Time // the digest's moment, in the zone to show it in
	TextChart bool      // draw the band history as sparklines only, no data-visualisation block
	Limit     int       // accounts per list before "…and N more"; 0 means DigestListLimit
	// Tables shows the newly red accounts and the renewals at risk as data
	// tables (every one of them, up to TableRows), sortable by MRR or date.
	Tables bool
	// Team, when set, adds the managers' lines (#17): mostly-green pulses,
	// away CSMs counted as away in the pulse section, alert rules' record.
	Team *TeamView
}

// DigestListLimit is how many accounts each digest list shows.
const DigestListLimit = 10

// DigestBlocks renders the digest: the band distribution with its change on
// last week and a chart of the past weeks, then one section per list.
// Long lists end in "…and N more", so the message stays within Block Kit's
// limits whatever the portfolio's size.
func DigestBlocks(v DigestView) []slack.Block {
	if v.Limit <= 0 {
		v.Limit = DigestListLimit
	}
	d := v.Digest
	out := []slack.Block{
		Header("Weekly health digest · " + d.Week),
		Context(digestIntro(v)),
		Section(bandLines(d)),
	}
	out = append(out, bandChart(d.History, v.TextChart)...)
	out = append(out, slack.NewDividerBlock())
	out = append(out,
		moverSection("📉 Biggest drops this week", d.Down, "No account dropped."),
		moverSection("📈 Biggest rises this week", d.Up, "No account rose."),
	)
	if v.Tables {
		out = append(out, digestTables(d)...)
	} else {
		out = append(out, newlyRedSection(d, v.Limit), renewalSection(d, v))
	}
	out = append(out,
		expansionSection(d, v.Limit),
		pulseSection(d, v.Limit, awayOf(v.Team)),
		disagreementSection(d, v.Limit),
	)
	if v.Team != nil {
		out = append(out, DigestWeekBlocks(*v.Team)...)
	}
	out = append(out, Context("Open any account's card with `/health` and its name."))
	return out
}

// DigestText is the notification and fallback text of the digest.
func DigestText(d scoring.Digest) string {
	s := "Weekly health digest " + d.Week + ": " + BandSummary(d.Bands)
	if n := len(d.NewlyRed); n > 0 {
		s += " · " + plural(n, "account") + " newly red"
	}
	if d.MRRAtRisk > 0 {
		s += " · MRR at risk " + Money(d.MRRAtRisk)
	}
	return s
}

func digestIntro(v DigestView) string {
	d := v.Digest
	parts := []string{v.Now.Format("Monday, Jan 2 2006")}
	if d.ScoresAsOf.IsZero() {
		parts = append(parts, "no scores yet")
	} else {
		parts = append(parts, "scores of "+d.ScoresAsOf.Format("Jan 2"), plural(d.ScoredAccounts, "account")+" scored")
	}
	if d.NotEnoughData > 0 {
		parts = append(parts, strconv.Itoa(d.NotEnoughData)+" without enough data")
	}
	return strings.Join(parts, " · ")
}

func bandLines(d scoring.Digest) string {
	lines := []string{"*Band distribution* (change since last week, same accounts)"}
	for _, b := range scoring.BandOrder()[:3] {
		delta := float64(d.Bands[b] - d.BandsLastWeek[b])
		lines = append(lines, fmt.Sprintf("%s %s *%d* · %s", BandEmoji(b), BandName(b), d.Bands[b], Delta(&delta)))
	}
	if d.NotEnoughData > 0 {
		lines = append(lines, fmt.Sprintf("%s %s %d", BandEmoji(scoring.BandNone), BandName(scoring.BandNone), d.NotEnoughData))
	}
	return strings.Join(lines, "\n")
}

// bandChart draws accounts per band over the past weeks: a Block Kit line
// chart, or sparklines when asked or when there are too few weeks.
func bandChart(hist []scoring.WeekBands, textOnly bool) []slack.Block {
	if len(hist) > MaxChartPoints {
		hist = hist[len(hist)-MaxChartPoints:]
	}
	if len(hist) == 0 {
		return nil
	}
	title := "Accounts per band, last " + plural(len(hist), "week")
	if !textOnly && len(hist) >= 2 {
		return []slack.Block{bandLineChart(title, hist)}
	}
	return []slack.Block{Context(bandSparklines(title, hist))}
}

func bandLineChart(title string, hist []scoring.WeekBands) *slack.DataVisualizationBlock {
	cats := make([]string, len(hist))
	for i, w := range hist {
		cats[i] = w.Day.Format("Jan 2")
		if i > 0 && cats[i] == cats[i-1] {
			cats[i] = w.Day.Format("Jan 2 06")
		}
	}
	var series []slack.DataVisualizationDataSeries
	for _, b := range chartBands(hist) {
		data := make([]slack.DataVisualizationDataPoint, len(hist))
		for i, w := range hist {
			data[i] = slack.NewDataVisualizationDataPoint(cats[i], float64(w.Bands[b]))
		}
		series = append(series, slack.NewDataVisualizationDataSeries(BandName(b), data...))
	}
	axis := slack.NewDataVisualizationAxisConfig(cats...).WithYLabel("accounts")
	return slack.NewDataVisualizationBlock(Truncate(title, 50), slack.NewDataVisualizationLineChart(axis, series...))
}

// chartBands are the bands with at least one account in the history.
func chartBands(hist []scoring.WeekBands) []scoring.Band {
	var out []scoring.Band
	for _, b := range scoring.BandOrder() {
		for _, w := range hist {
			if w.Bands[b] > 0 {
				out = append(out, b)
				break
			}
		}
	}
	return out
}

// bandSparklines is the text chart: one sparkline per band, scaled to the
// largest count so the bands compare.
func bandSparklines(title string, hist []scoring.WeekBands) string {
	top := 1
	for _, w := range hist {
		for _, n := range w.Bands {
			top = max(top, n)
		}
	}
	lines := []string{"*" + title + "*"}
	for _, b := range chartBands(hist) {
		vals := make([]float64, len(hist))
		for i, w := range hist {
			vals[i] = 100 * float64(w.Bands[b]) / float64(top)
		}
		lines = append(lines, fmt.Sprintf("%s `%s` %d → %d", BandEmoji(b), Sparkline(vals), hist[0].Bands[b], hist[len(hist)-1].Bands[b]))
	}
	return strings.Join(lines, "\n")
}

// listSection is a titled list that fits one section: at most the lines
// given, fewer if they would pass the section limit, then "…and N more"
// for the total not shown.
func listSection(title string, lines []string, total int, none string) slack.Block {
	if total == 0 {
		return Section(title + "\n" + none)
	}
	var b strings.Builder
	b.WriteString(title)
	shown := 0
	for _, l := range lines {
		l = Truncate(l, 300)
		if b.Len()+1+len(l)+30 > maxSectionBudget {
			break
		}
		b.WriteString("\n" + l)
		shown++
	}
	if more := total - shown; more > 0 {
		b.WriteString("\n…and " + strconv.Itoa(more) + " more")
	}
	return Section(b.String())
}

// accountTag is "🔴 `35` *Acme*".
func accountTag(a scoring.Account, v float64, band scoring.Band) string {
	return BandEmoji(band) + " `" + fmt.Sprintf("%3s", Score(v)) + "` *" + Esc(a.Name) + "*"
}

// csmName names a CSM without notifying them: the digest is a channel post.
func csmName(c scoring.CSM) string {
	switch {
	case c.Name != "":
		return Esc(c.Name)
	case c.Email != "":
		return Esc(c.Email)
	case c.SlackUserID != "":
		return Esc(c.SlackUserID)
	}
	return "nobody"
}

func moverSection(title string, ms []scoring.Mover, none string) slack.Block {
	lines := make([]string, len(ms))
	for i, m := range ms {
		delta := m.Delta
		lines[i] = fmt.Sprintf("%s · %s → %s (%s) · %s", accountTag(m.Account, m.To, m.Band),
			Score(m.From), Score(m.To), Delta(&delta), csmName(m.Account.Owner))
	}
	return listSection("*"+title+"*", lines, len(ms), none)
}

func newlyRedSection(d scoring.Digest, limit int) slack.Block {
	ms := d.NewlyRed
	lines := make([]string, 0, min(limit, len(ms)))
	for _, m := range ms[:min(limit, len(ms))] {
		lines = append(lines, fmt.Sprintf("%s · was %s · MRR %s · %s", accountTag(m.Account, m.To, m.Band),
			Score(m.From), Money(m.Account.MRR), csmName(m.Account.Owner)))
	}
	return listSection(fmt.Sprintf("*🚨 Newly red (%d)*", len(ms)), lines, len(ms), "No account turned red this week.")
}

func renewalSection(d scoring.Digest, v DigestView) slack.Block {
	rs := d.Renewals
	lines := make([]string, 0, min(v.Limit, len(rs)))
	for _, r := range rs[:min(v.Limit, len(rs))] {
		lines = append(lines, fmt.Sprintf("%s · renews %s (%s) · MRR %s · %s", accountTag(r.Account, r.Score, r.Band),
			r.Account.RenewalDate.Format("Jan 2"), inDays(r.Days), Money(r.Account.MRR), csmName(r.Account.Owner)))
	}
	title := fmt.Sprintf("*📅 Renewals in the next 90 days, not green (%d)* · MRR at risk *%s*", len(rs), Money(d.MRRAtRisk))
	return listSection(title, lines, len(rs), "Every renewal in the next 90 days is green.")
}

// digestTables are the newly red accounts and the renewals at risk as data
// tables, each under its title; an empty list keeps its sentence.
func digestTables(d scoring.Digest) []slack.Block {
	var out []slack.Block
	red := make([]Row, len(d.NewlyRed))
	for i, m := range d.NewlyRed {
		delta := m.Delta
		red[i] = digestRow(m.Account, m.To, m.Band)
		red[i].Delta28 = &delta // the week's change, in the change column
	}
	out = append(out, digestTable("newly_red", fmt.Sprintf("*🚨 Newly red (%d)*", len(red)), "Newly red this week", red, "No account turned red this week.")...)
	ren := make([]Row, len(d.Renewals))
	for i, r := range d.Renewals {
		ren[i] = digestRow(r.Account, r.Score, r.Band)
	}
	title := fmt.Sprintf("*📅 Renewals in the next 90 days, not green (%d)* · MRR at risk *%s*", len(ren), Money(d.MRRAtRisk))
	return append(out, digestTable("renewals", title, "Renewals in the next 90 days, not green", ren, "Every renewal in the next 90 days is green.")...)
}

func digestRow(a scoring.Account, score float64, band scoring.Band) Row {
	return Row{ID: a.ID, Name: a.Name, Owner: a.Owner, Scored: true, Score: score, Band: band, MRR: a.MRR, RenewalDate: a.RenewalDate}
}

func digestTable(id, title, caption string, rows []Row, none string) []slack.Block {
	if len(rows) == 0 {
		return []slack.Block{Section(title + "\n" + none)}
	}
	t := ListTable(List{Title: caption, Rows: rows})
	t.BlockID = "digest_" + id
	out := []slack.Block{Section(title), t}
	if more := len(rows) - TableRows; more > 0 {
		out = append(out, Context("…and "+strconv.Itoa(more)+" more"))
	}
	return out
}

func inDays(n int) string {
	if n == 0 {
		return "today"
	}
	return "in " + plural(n, "day")
}

func expansionSection(d scoring.Digest, limit int) slack.Block {
	es := d.Expansion
	lines := make([]string, 0, min(limit, len(es)))
	for _, e := range es[:min(limit, len(es))] {
		reason, _ := strings.CutPrefix(e.Reason, "Expansion: ") // the alert's summary; the title says it
		lines = append(lines, fmt.Sprintf("*%s* · %s · MRR %s · %s", Esc(e.Account.Name), Esc(reason),
			Money(e.Account.MRR), csmName(e.Account.Owner)))
	}
	return listSection(fmt.Sprintf("*🌱 Expansion candidates (%d)*", len(es)), lines, len(es), "No expansion signals this week.")
}

// pulseSection reports each CSM's answers for the week just ended, least
// complete first, naming the accounts still unanswered.
func pulseSection(d scoring.Digest, limit int, away map[int64]TeamRow) slack.Block {
	answered, total := 0, 0
	for _, p := range d.Pulse {
		if _, out := away[p.CSM.ID]; out {
			continue // away, not unanswered
		}
		answered += p.Answered
		total += p.Total
	}
	title := "*📝 Pulse check-in " + d.PulseWeek + "*"
	if total > 0 {
		title += fmt.Sprintf(" · %s answered (%d of %d)", percent(answered, total), answered, total)
	}
	lines := make([]string, 0, len(d.Pulse))
	for _, p := range d.Pulse {
		if r, out := away[p.CSM.ID]; out {
			lines = append(lines, awayLine(p, r))
			continue
		}
		lines = append(lines, pulseLine(p, limit))
	}
	return listSection(title, lines, len(d.Pulse), "No CSM owns a live account.")
}

func pulseLine(p scoring.PulseCompletion, limit int) string {
	if p.Answered == p.Total {
		return fmt.Sprintf("✅ %s · all %d answered", csmName(p.CSM), p.Total)
	}
	icon := "⏳"
	if p.Answered == 0 {
		icon = "❌"
	}
	s := fmt.Sprintf("%s %s · %d of %d (%s)", icon, csmName(p.CSM), p.Answered, p.Total, percent(p.Answered, p.Total))
	limit = min(limit, 5)
	names := make([]string, 0, limit)
	for _, a := range p.Missing[:min(limit, len(p.Missing))] {
		names = append(names, Esc(a.Name))
	}
	s += " · not answered: " + strings.Join(names, ", ")
	if more := len(p.Missing) - len(names); more > 0 {
		s += " …and " + strconv.Itoa(more) + " more"
	}
	return s
}

func percent(n, of int) string {
	if of == 0 {
		return "0 %"
	}
	return strconv.Itoa(int(math.Round(100*float64(n)/float64(of)))) + " %"
}

func disagreementSection(d scoring.Digest, limit int) slack.Block {
	ds := d.Disagreements
	lines := make([]string, 0, min(limit, len(ds)))
	for _, x := range ds[:min(limit, len(ds))] {
		a := d.AccountsByID[x.AccountID]
		lines = append(lines, fmt.Sprintf("%s · %s %s pulse (%s) · %s", accountTag(a, x.Score, x.Band),
			RatingEmoji(x.Rating), RatingName(x.Rating), x.Week, csmName(a.Owner)))
	}
	return listSection(fmt.Sprintf("*🤔 Pulse and data disagree (%d)*", len(ds)), lines, len(ds),
		"Every recent pulse agrees with the data.")
}

// awayOf indexes the away CSMs of a team view.
func awayOf(v *TeamView) map[int64]TeamRow {
	if v == nil {
		return nil
	}
	out := map[int64]TeamRow{}
	for _, r := range v.Rows {
		if !r.AwayUntil.IsZero() {
			out[r.CSM.ID] = r
		}
	}
	return out
}

// awayLine is the pulse line of a CSM out of office: their accounts are
// away, not unanswered.
func awayLine(p scoring.PulseCompletion, r TeamRow) string {
	s := fmt.Sprintf("🌴 %s · away until %s · %d accounts away, not unanswered", csmName(p.CSM), r.AwayUntil.Format("Jan 2"), p.Total)
	if r.Cover.ID != 0 {
		s += " · covered by " + Esc(r.Cover.Name)
	}
	return s
}
