package blocks_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
)

func TestCardGolden(t *testing.T) {
	t.Parallel()
	golden(t, "card", blocks.CardBlocks(fullCard()), blocks.MaxBlocks)

	boxed := fullCard()
	boxed.Containers = true
	golden(t, "card_containers", blocks.CardBlocks(boxed), blocks.MaxBlocks)

	text := fullCard()
	text.TextChart = true
	golden(t, "card_text_chart", blocks.CardBlocks(text), blocks.MaxBlocks)

	shared := fullCard()
	shared.SharedBy = "U0BOB"
	golden(t, "card_shared", blocks.CardBlocks(shared), blocks.MaxBlocks)

	unscored := blocks.Card{Account: acme(), Now: now}
	golden(t, "card_unscored", blocks.CardBlocks(unscored), blocks.MaxBlocks)

	golden(t, "card_not_enough_data", blocks.CardBlocks(notEnoughData()), blocks.MaxBlocks)
}

// notEnoughData is a card of an account scored "not enough data": its
// own metric waits for a direction and a built-in others send is missing.
func notEnoughData() blocks.Card {
	c := blocks.Card{Account: acme(), Now: now, Score: scoring.Score{AccountID: 1, AsOf: now.AddDate(0, 0, -1), Scorecard: "default",
		Band: scoring.BandNone, Confidence: 0.2,
		Drivers: []scoring.Contribution{
			{Metric: "logins", Family: scoring.FamilyUsage, Label: "Logins", Value: 12, Score: 20, DirectionUnknown: true,
				Detail: "20th percentile of Enterprise peers — 12 logins in 28 days" + scoring.DirectionUnknownNote},
			{Metric: "logins_change", Family: scoring.FamilyUsage, Label: "Logins (change)", Candidate: true, DirectionUnknown: true},
		},
		Unscored: &scoring.NotEnoughData{Confidence: 0.2, MinConfidence: 0.5, Missing: []string{"Active users", "CSAT"},
			Families: []scoring.Family{scoring.FamilyUsage}, Waiting: []string{"Logins"},
			Next: "send Active users, CSAT for this account, or lower min_confidence of scorecard default"}}}
	return c
}

func TestCardExplainsNotEnoughData(t *testing.T) {
	t.Parallel()
	all := dump(t, blocks.CardBlocks(notEnoughData()))
	for _, want := range []string{"*Not enough data*", "*Missing:* Active users, CSAT", "*No data in:* usage",
		"*Waiting for a direction:* Logins", "*Next:* send Active users, CSAT for this account",
		"Not scored until their direction is known: *Logins*: 20th percentile of Enterprise peers — 12 logins in 28 days"} {
		if !strings.Contains(all, want) {
			t.Errorf("card lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "Logins (change)") || strings.Contains(all, "direction not known yet: not scored") {
		t.Errorf("a candidate feature or the scorer's note shows on the card:\n%s", all)
	}
}

func TestCardContent(t *testing.T) {
	t.Parallel()
	bs := blocks.CardBlocks(fullCard())
	all := dump(t, bs)
	for _, want := range []string{
		"Acme Corp", "🔴 *34* / 100", "7d ▼ 8", "28d ▼ 15", "MRR 12,400", "Renews 2026-03-03 (in 48 days)", "<@U0JANE>",
		"12th percentile of Enterprise peers — 4 of 40 seats active", "NPS 40, 80th percentile",
		"Concerning", "champion left, budget cut", "by Jane Doe, 9 days ago (2026-W02)",
		"Turned red", "snoozed until 2026-01-18", "health_share",
		"New VP &lt;@U123&gt;", // user text cannot mention or inject
	} {
		if !strings.Contains(all, want) {
			t.Errorf("card lacks %q", want)
		}
	}
	if strings.Contains(all, "<script>") || strings.Contains(all, "<@U123>") {
		t.Error("card lets user text through unescaped")
	}
	// Most negative drivers first, at most three a side.
	if i, j := strings.Index(all, "Active users"), strings.Index(all, "Support tickets"); i < 0 || j < i {
		t.Error("drivers not ordered most negative first")
	}
	if strings.Contains(all, "CSAT") {
		t.Error("a fourth negative driver was shown")
	}
	var chart *slack.DataVisualizationBlock
	for _, b := range bs {
		if c, ok := b.(*slack.DataVisualizationBlock); ok {
			chart = c
		}
	}
	if chart == nil {
		t.Fatal("no data-visualisation chart in the card")
	}
	line, ok := chart.Chart.(*slack.DataVisualizationLineChart)
	if !ok || len(line.Series) != 1 || len(line.Series[0].Data) != 20 {
		t.Fatalf("chart = %#v, want one line series of 20 weekly points", chart.Chart)
	}
	if got := line.Series[0].Data[19].Value; got != 34.4 {
		t.Errorf("last chart point = %v, want 34.4", got)
	}
}

func TestCardNotEnoughData(t *testing.T) {
	t.Parallel()
	c := blocks.Card{Account: acme(), Score: scoring.Score{AsOf: day(0), Band: scoring.BandNone, Confidence: 0.2}, Now: now}
	all := dump(t, blocks.CardBlocks(c))
	if !strings.Contains(all, "Not enough data") || !strings.Contains(all, "20%") {
		t.Errorf("card of an unscoreable account = %s", all)
	}
	if got := blocks.CardText(c); got != "Acme Corp: not enough data to score" {
		t.Errorf("CardText = %q", got)
	}
}

func TestPulseDisagreement(t *testing.T) {
	t.Parallel()
	c := fullCard()
	c.LastPulse.Rating = scoring.RatingHealthy
	if all := dump(t, blocks.CardBlocks(c)); !strings.Contains(all, "The pulse says Healthy but the data says Red") {
		t.Error("a Healthy pulse on a red account is not flagged")
	}
	c.LastPulse.AnsweredAt = now.AddDate(0, -3, 0) // too old to contradict today's data
	if all := dump(t, blocks.CardBlocks(c)); strings.Contains(all, "disagree") || strings.Contains(all, "but the data says") {
		t.Error("an old pulse is flagged as disagreeing")
	}
}

func TestListsGolden(t *testing.T) {
	t.Parallel()
	all := blocks.WorstFirst(rows(45))
	golden(t, "portfolio", blocks.ListBlocks(blocks.List{
		Title: "Portfolio of Jane Doe", Intro: blocks.BandSummary(blocks.BandCounts(all)) + " · 45 accounts",
		Rows: all[:blocks.PageSize], Total: len(all), Cmd: "", Style: blocks.StylePortfolio, Week: "2026-W03", Now: now,
	}), blocks.MaxBlocks)
	risk := all[:9]
	golden(t, "at_risk", blocks.ListBlocks(blocks.List{
		Title: "Accounts at risk", Intro: "9 accounts · MRR 40,250", Rows: risk, Total: len(risk), Cmd: "at-risk",
		Style: blocks.StyleRisk, Now: now,
	}), blocks.MaxBlocks)
	golden(t, "renewals", blocks.ListBlocks(blocks.List{
		Title: "Renewals in the next 90 days", Intro: "3 renewals", Rows: rows(3), Total: 3, Cmd: "renewals 90d",
		Style: blocks.StyleRenewals, Now: now,
	}), blocks.MaxBlocks)
	golden(t, "at_risk_empty", blocks.ListBlocks(blocks.List{
		Title: "Accounts at risk", Intro: "0 accounts", Total: 0, Empty: "No account is at risk. 🎉", Now: now,
	}), blocks.MaxBlocks)
	r := rows(4)
	golden(t, "movers", blocks.MoversBlocks(blocks.Movers{Days: 28, Drops: r[:2], Rises: r[2:], Now: now}), blocks.MaxBlocks)
	golden(t, "help", blocks.HelpBlocks("/health", []blocks.HelpEntry{
		{Usage: "at-risk [SEGMENT]", Summary: "red accounts"}, {Usage: "renewals [90d]", Summary: "renewing soon"},
	}, false), blocks.MaxBlocks)
	golden(t, "choose", blocks.ChooseBlocks("acme", []blocks.Candidate{
		{ID: 1, Name: "Acme", Domain: "acme.io", Segment: "SMB"}, {ID: 2, Name: "Acme Labs", Segment: "Enterprise", Churned: true},
	}, 0), blocks.MaxBlocks)
	golden(t, "not_found", blocks.NotFoundBlocks("acmee", []blocks.Candidate{{ID: 1, Name: "Acme"}, {ID: 2, Name: "Acme Labs"}},
		"Try `/health help`."), blocks.MaxBlocks)
}

func TestPagination(t *testing.T) {
	t.Parallel()
	all := rows(45)
	page := func(off int) []slack.Block {
		end := min(len(all), off+blocks.PageSize)
		return blocks.ListBlocks(blocks.List{Title: "T", Rows: all[off:end], Offset: off, Total: len(all), Cmd: "segment SMB", Now: now})
	}
	buttons := func(bs []slack.Block) map[string]string {
		m := map[string]string{}
		for _, b := range bs {
			if a, ok := b.(*slack.ActionBlock); ok {
				for _, e := range a.Elements.ElementSet {
					btn := e.(*slack.ButtonBlockElement)
					m[btn.ActionID] = btn.Value
				}
			}
		}
		return m
	}
	first := buttons(page(0))
	if _, ok := first[blocks.ActionPrev]; ok || first[blocks.ActionNext] != "20|segment SMB" {
		t.Errorf("first page buttons = %v", first)
	}
	mid := buttons(page(20))
	if mid[blocks.ActionPrev] != "0|segment SMB" || mid[blocks.ActionNext] != "40|segment SMB" {
		t.Errorf("middle page buttons = %v", mid)
	}
	last := buttons(page(40))
	if _, ok := last[blocks.ActionNext]; ok || last[blocks.ActionPrev] != "20|segment SMB" {
		t.Errorf("last page buttons = %v", last)
	}
	off, cmd, err := blocks.ParsePageValue(mid[blocks.ActionNext])
	if err != nil || off != 40 || cmd != "segment SMB" {
		t.Errorf("ParsePageValue = %d, %q, %v", off, cmd, err)
	}
	for _, bad := range []string{"", "x|y", "-1|y", "20"} {
		if _, _, err := blocks.ParsePageValue(bad); err == nil {
			t.Errorf("ParsePageValue(%q) accepted", bad)
		}
	}
}

func TestLongTextStaysWithinLimits(t *testing.T) {
	t.Parallel()
	long := make([]blocks.Row, blocks.PageSize)
	for i := range long {
		long[i] = blocks.Row{ID: int64(i), Name: strings.Repeat("Very long account name ", 12), Segment: strings.Repeat("S", 200), Scored: true, Score: 50, Band: scoring.BandYellow}
	}
	bs := blocks.ListBlocks(blocks.List{Title: strings.Repeat("Title ", 60), Rows: long, Total: 500, Offset: 0, Cmd: "at-risk", Style: blocks.StyleRisk, Now: now})
	if err := blocks.Check(bs, blocks.MaxBlocks); err != nil {
		t.Error(err)
	}
	c := fullCard()
	c.Account.Name = strings.Repeat("N", 400)
	c.LastPulse.Note = strings.Repeat("note ", 1000)
	for i := range c.Score.Drivers {
		c.Score.Drivers[i].Detail = strings.Repeat("d", 1500)
	}
	if err := blocks.Check(blocks.CardBlocks(c), blocks.MaxBlocks); err != nil {
		t.Error(err)
	}
}

func TestHomeGolden(t *testing.T) {
	t.Parallel()
	h := blocks.Home{CSM: jane, Rows: rows(12), Week: "2026-W03", Command: "/health", Now: now}
	golden(t, "home", blocks.HomeBlocks(h), blocks.MaxHomeBlocks)
	golden(t, "home_empty", blocks.HomeBlocks(blocks.Home{Week: "2026-W03", Command: "/health", Now: now}), blocks.MaxHomeBlocks)
	view := blocks.HomeView(h)
	if view.Type != slack.VTHomeTab || len(view.Blocks.BlockSet) == 0 {
		t.Errorf("HomeView = %+v", view)
	}
}

func TestHomeWithManyAccountsFits(t *testing.T) {
	t.Parallel()
	bs := blocks.HomeBlocks(blocks.Home{CSM: jane, Rows: rows(3000), Week: "2026-W03", Command: "/health", Now: now})
	if err := blocks.Check(bs, blocks.MaxHomeBlocks); err != nil {
		t.Fatal(err)
	}
	if all := dump(t, bs); !strings.Contains(all, "more accounts than fit here") {
		t.Error("an overfull home tab does not say it was cut")
	}
}

func TestWorstFirst(t *testing.T) {
	t.Parallel()
	in := []blocks.Row{
		{Name: "g", Scored: true, Score: 90, Band: scoring.BandGreen},
		{Name: "u"},
		{Name: "r2", Scored: true, Score: 30, Band: scoring.BandRed},
		{Name: "y", Scored: true, Score: 50, Band: scoring.BandYellow},
		{Name: "r1", Scored: true, Score: 10, Band: scoring.BandRed},
		{Name: "n", Scored: true, Band: scoring.BandNone},
	}
	var got []string
	for _, r := range blocks.WorstFirst(in) {
		got = append(got, r.Name)
	}
	if strings.Join(got, ",") != "r1,r2,y,g,n,u" {
		t.Errorf("WorstFirst = %v", got)
	}
	if in[0].Name != "g" {
		t.Error("WorstFirst reordered its input")
	}
}

func TestWeekly(t *testing.T) {
	t.Parallel()
	var daily []blocks.Point
	for i := 200; i >= 0; i-- {
		if i == 14 || (i > 20 && i < 30) { // gaps: one missing day, then a missing week
			continue
		}
		daily = append(daily, blocks.Point{AsOf: day(i), Value: float64(200 - i), Band: scoring.BandYellow})
	}
	daily = append(daily, blocks.Point{AsOf: day(-1), Band: scoring.BandNone}) // unscoreable: ignored
	w := blocks.Weekly(daily, 20)
	if len(w) != 19 {
		t.Fatalf("Weekly gave %d points, want 19 (20 weeks, one empty)", len(w))
	}
	if last := w[len(w)-1]; !last.AsOf.Equal(day(0)) {
		t.Errorf("last weekly point %v, want today", last.AsOf)
	}
	for i := 1; i < len(w); i++ {
		if !w[i].AsOf.After(w[i-1].AsOf) {
			t.Fatalf("weekly points out of order at %d", i)
		}
	}
	if got := w[len(w)-3].AsOf; !got.Equal(day(15)) { // the mark day(14) is missing: the day before it
		t.Errorf("week mark 14 days back took %v, want the day before", got)
	}
	if blocks.Weekly(nil, 20) != nil {
		t.Error("Weekly(nil) not nil")
	}
}

func TestSparklineAndFormats(t *testing.T) {
	t.Parallel()
	if got := blocks.Sparkline([]float64{0, 50, 100, -5, 120}); got != "▁▅█▁█" {
		t.Errorf("Sparkline = %q", got)
	}
	pts := weekly(3, 80, 30)
	if got := blocks.SparklineText(pts); got != "`▇▅▃` 3 weeks · 80 → 30 · low 30 · high 80" {
		t.Errorf("SparklineText = %q", got)
	}
	for in, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567.6: "1,234,568", -12400: "-12,400"} {
		if got := blocks.Money(in); got != want {
			t.Errorf("Money(%v) = %q, want %q", in, got, want)
		}
	}
	if blocks.Delta(nil) != "–" || blocks.Delta(f(0.4)) != "± 0" || blocks.Delta(f(-7.6)) != "▼ 8" || blocks.Delta(f(3)) != "▲ 3" {
		t.Error("Delta formats wrong")
	}
	for back, want := range map[int]string{0: "today", 1: "yesterday", 9: "9 days ago", 30: "4 weeks ago", 400: "13 months ago", -3: "in 3 days"} {
		if got := blocks.Ago(now.AddDate(0, 0, -back), now); got != want {
			t.Errorf("Ago(%d days) = %q, want %q", back, got, want)
		}
	}
	if got := blocks.Until(now.Add(-time.Hour*24*3), now); got != "3 days ago" {
		t.Errorf("Until = %q", got)
	}
}

func TestCheckCatchesViolations(t *testing.T) {
	t.Parallel()
	tooMany := make([]slack.Block, 51)
	for i := range tooMany {
		tooMany[i] = slack.NewDividerBlock()
	}
	dup := slack.NewActionBlock("a", blocks.Button("x", "1", "One"), blocks.Button("x", "2", "Two"))
	long := slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("a", 3001), false, false), nil, nil)
	badChart := slack.NewDataVisualizationBlock("t", slack.NewDataVisualizationLineChart(slack.NewDataVisualizationAxisConfig("a")))
	for name, bs := range map[string][]slack.Block{
		"too many": tooMany, "duplicate action": {dup}, "long section": {long}, "bad chart": {badChart},
	} {
		if blocks.Check(bs, blocks.MaxBlocks) == nil {
			t.Errorf("Check accepted %s", name)
		}
	}
}

func TestSectionsPacksLines(t *testing.T) {
	t.Parallel()
	lines := make([]string, 100)
	for i := range lines {
		lines[i] = strings.Repeat("x", 100)
	}
	bs := blocks.Sections(lines)
	if len(bs) != 4 { // 28 lines of 101 bytes fit in 2,900
		t.Errorf("100 lines of 100 chars packed into %d sections, want 4", len(bs))
	}
	if err := blocks.Check(bs, blocks.MaxBlocks); err != nil {
		t.Error(err)
	}
}

// dump is the blocks' JSON, for substring checks.
func dump(t *testing.T, bs []slack.Block) string {
	t.Helper()
	var sb strings.Builder
	for _, b := range bs {
		sb.WriteString(mustJSON(t, b))
		sb.WriteByte('\n')
	}
	return sb.String()
}

// Truncate never cuts inside mrkdwn that would break, and counts what
// Slack counts (UTF-16 code units: an emoji like 🔴 is two).
func TestTruncateKeepsMrkdwnIntact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 5, "abcd…"},
		{"Tom &amp; Jerry", 8, "Tom …"},                  // not "Tom &am…"
		{"ping <@U012345> now", 10, "ping …"},            // not "ping <@U0…"
		{"see <https://x.example|the doc>", 12, "see …"}, // not inside the link
		{"a *bold claim* here", 9, "a …"},                // not "a *bold …" (an open *)
		{"🔴🔴🔴🔴", 5, "🔴🔴…"},                               // 2+2+1 units
		{"x", 1, "x"},
	}
	for _, tc := range tests {
		got := blocks.Truncate(tc.in, tc.n)
		if got != tc.want {
			t.Errorf("blocks.Truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
		if blocks.Length(got) > tc.n {
			t.Errorf("blocks.Truncate(%q, %d) = %q is %d units long", tc.in, tc.n, got, blocks.Length(got))
		}
	}
}
