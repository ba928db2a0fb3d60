package ask

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// Arguments of each tool, as the schemas in prompts/tools define them.
// Pointers: strict schemas send every field, null when unused.
type (
	searchArgs struct {
		Segment           *string  `json:"segment"`
		Band              *string  `json:"band"`
		Owner             *string  `json:"owner"`
		RenewalWithinDays *int     `json:"renewal_within_days"`
		MinScore          *float64 `json:"min_score"`
		MaxScore          *float64 `json:"max_score"`
		Trend             *string  `json:"trend"`
		TrendDays         *int     `json:"trend_days"`
		Sort              *string  `json:"sort"`
		Limit             *int     `json:"limit"`
	}
	accountArgs struct {
		Account *string `json:"account"`
	}
	historyArgs struct {
		Account *string `json:"account"`
		Days    *int    `json:"days"`
	}
	alertArgs struct {
		Account *string `json:"account"`
		State   *string `json:"state"`
		Limit   *int    `json:"limit"`
	}
	pulseArgs struct {
		Account *string `json:"account"`
		Limit   *int    `json:"limit"`
	}
	portfolioArgs struct {
		GroupBy *string `json:"group_by"`
		Segment *string `json:"segment"`
	}
)

// filter validates search_accounts' arguments into a store filter.
func (in searchArgs) filter(s *session) (store.AskFilter, error) {
	var f store.AskFilter
	var err error
	f.AsOf = s.a.today()
	if f.Segment, err = optionalText("segment", in.Segment); err != nil {
		return f, err
	}
	band, err := oneOf("band", in.Band, "", "green", "yellow", "red", "none")
	if err != nil {
		return f, err
	}
	f.Band = scoring.Band(band)
	if f.Owner, err = optionalText("owner", in.Owner); err != nil {
		return f, err
	}
	if f.Owner == "me" {
		if s.asker == "" {
			return f, toolErrorf(`owner "me" is unknown here: the asker has no Slack user id`)
		}
		f.Owner = s.asker
	}
	if in.RenewalWithinDays != nil {
		d, err := intIn("renewal_within_days", in.RenewalWithinDays, 0, 0, 730)
		if err != nil {
			return f, err
		}
		f.RenewalWithinDays = &d
	}
	for _, sc := range []struct {
		name string
		v    *float64
	}{{"min_score", in.MinScore}, {"max_score", in.MaxScore}} {
		if sc.v != nil && (math.IsNaN(*sc.v) || *sc.v < 0 || *sc.v > 100) {
			return f, toolErrorf("%s must be between 0 and 100", sc.name)
		}
	}
	if in.MinScore != nil && in.MaxScore != nil && *in.MinScore > *in.MaxScore {
		return f, toolErrorf("min_score is above max_score")
	}
	f.MinScore, f.MaxScore = in.MinScore, in.MaxScore
	if f.Trend, err = oneOf("trend", in.Trend, "", "dropping", "rising"); err != nil {
		return f, err
	}
	if in.TrendDays != nil && *in.TrendDays != 7 && *in.TrendDays != 28 {
		return f, toolErrorf("trend_days must be 7 or 28")
	}
	f.TrendDays = 28
	if in.TrendDays != nil {
		f.TrendDays = *in.TrendDays
	}
	if f.Sort, err = oneOf("sort", in.Sort, "score_asc", "score_asc", "score_desc", "change_asc", "change_desc", "renewal_asc", "mrr_desc", "name"); err != nil {
		return f, err
	}
	if f.Limit, err = intIn("limit", in.Limit, 10, 1, store.AskMaxRows); err != nil {
		return f, err
	}
	return f, nil
}

// Results, in the JSON the model reads. Numbers are rounded to what a
// person would quote; free text is clipped.
type (
	briefOut struct {
		Name          string   `json:"name"`
		Segment       string   `json:"segment,omitempty"`
		Owner         string   `json:"owner,omitempty"`
		Score         *float64 `json:"score"`
		Band          string   `json:"band"`
		ScoreAsOf     string   `json:"score_as_of,omitempty"`
		Change7d      *float64 `json:"change_7d"`
		Change28d     *float64 `json:"change_28d"`
		MRR           float64  `json:"mrr"`
		RenewalDate   string   `json:"renewal_date,omitempty"`
		DaysToRenewal *int     `json:"days_to_renewal,omitempty"`
	}
	searchOut struct {
		AsOf     string     `json:"as_of"`
		Matched  int        `json:"matched"`
		Returned int        `json:"returned"`
		Accounts []briefOut `json:"accounts"`
	}
	driverOut struct {
		Metric       string  `json:"metric"`
		Label        string  `json:"label"`
		Detail       string  `json:"detail,omitempty"`
		Score        float64 `json:"metric_score"`
		Contribution float64 `json:"contribution"`
	}
	pulseOut struct {
		Week    string   `json:"week"`
		Rating  string   `json:"rating"`
		Reasons []string `json:"reasons,omitempty"`
		Note    string   `json:"note,omitempty"`
		By      string   `json:"by,omitempty"`
		On      string   `json:"answered_on"`
	}
	alertOut struct {
		Account string `json:"account"`
		Kind    string `json:"kind"`
		Summary string `json:"summary,omitempty"`
		State   string `json:"state"`
		Fired   string `json:"fired_on"`
	}
	accountOut struct {
		briefOut
		ExternalID       string             `json:"external_id"`
		Plan             string             `json:"plan,omitempty"`
		Seats            int                `json:"seats,omitempty"`
		ChurnedOn        string             `json:"churned_on,omitempty"`
		Confidence       float64            `json:"confidence"`
		Subscores        map[string]float64 `json:"subscores,omitempty"`
		WeakestDrivers   []driverOut        `json:"weakest_drivers,omitempty"`
		StrongestDrivers []driverOut        `json:"strongest_drivers,omitempty"`
		LastPulse        *pulseOut          `json:"last_pulse,omitempty"`
		OpenAlerts       []alertOut         `json:"open_alerts,omitempty"`
	}
	pointOut struct {
		Date  string  `json:"date"`
		Score float64 `json:"score"`
		Band  string  `json:"band"`
	}
	historyOut struct {
		Account string     `json:"account"`
		Days    int        `json:"days"`
		Points  []pointOut `json:"points"`
		First   *pointOut  `json:"first,omitempty"`
		Last    *pointOut  `json:"last,omitempty"`
		Lowest  *pointOut  `json:"lowest,omitempty"`
		Highest *pointOut  `json:"highest,omitempty"`
	}
	groupOut struct {
		Name        string   `json:"name"`
		Accounts    int      `json:"accounts"`
		Green       int      `json:"green"`
		Yellow      int      `json:"yellow"`
		Red         int      `json:"red"`
		Unscored    int      `json:"unscored"`
		AvgScore    *float64 `json:"avg_score"`
		MRR         float64  `json:"mrr"`
		MRRRed      float64  `json:"mrr_in_red"`
		Renewing90d int      `json:"renewing_next_90_days"`
	}
	portfolioOut struct {
		AsOf    string     `json:"as_of"`
		GroupBy string     `json:"group_by"`
		Groups  []groupOut `json:"groups"`
	}
)

const (
	noteChars    = 300
	summaryChars = 200
	nameChars    = 100
	historyMax   = 30
	driversShown = 3
)

func (s *session) searchAccounts(ctx context.Context, ro *store.Store, f store.AskFilter) (searchOut, error) {
	rows, total, err := ro.AskSearchAccounts(ctx, f)
	if err != nil {
		return searchOut{}, err
	}
	out := searchOut{AsOf: day(f.AsOf), Matched: total, Returned: len(rows), Accounts: make([]briefOut, len(rows))}
	for i, r := range rows {
		out.Accounts[i] = s.brief(r)
	}
	return out, nil
}

// brief is one account line, recorded for citation.
func (s *session) brief(b store.AskBrief) briefOut {
	today := s.a.today()
	o := briefOut{
		Name: clip(b.Name, nameChars), Segment: clip(b.Segment, nameChars), Owner: clip(b.Owner, nameChars),
		Band: string(b.Band), Change7d: round1p(b.Change7d), Change28d: round1p(b.Change28d), MRR: round1(b.MRR),
	}
	if b.Scored() {
		v := round1(b.Score)
		o.Score = &v
		if !b.ScoreAsOf.Equal(today) {
			o.ScoreAsOf = day(b.ScoreAsOf)
		}
	}
	if !b.RenewalDate.IsZero() {
		o.RenewalDate = day(b.RenewalDate)
		d := int(b.RenewalDate.Sub(today).Hours() / 24)
		o.DaysToRenewal = &d
	}
	s.saw(b.ID, b.Name, b.Score, b.Band)
	return o
}

func (s *session) getAccount(ctx context.Context, ro *store.Store, name string) (accountOut, error) {
	id, err := resolve(ctx, ro, name)
	if err != nil {
		return accountOut{}, err
	}
	out, err := s.accountByID(ctx, ro, id)
	if errors.Is(err, store.ErrNotFound) {
		return accountOut{}, healthbot.Errorf(healthbot.ENOTFOUND, "no account matches %q", name)
	}
	return out, err
}

// accountByID is get_account's result for one account id.
func (s *session) accountByID(ctx context.Context, ro *store.Store, id int64) (accountOut, error) {
	d, err := ro.AskAccount(ctx, id, s.a.today())
	if err != nil {
		return accountOut{}, err
	}
	access.NoteAccounts(ctx, id) // the access audit: this question looked at the account
	out := accountOut{
		briefOut: s.brief(d.AskBrief), ExternalID: clip(d.ExternalID, nameChars), Plan: clip(d.Plan, nameChars),
		Seats: d.Seats, Confidence: round2(d.Confidence),
	}
	if !d.ChurnedAt.IsZero() {
		out.ChurnedOn = day(d.ChurnedAt)
	}
	if d.Scored() {
		out.Subscores = map[string]float64{}
		for fam, v := range d.Subscores {
			out.Subscores[string(fam)] = round1(v)
		}
		out.WeakestDrivers, out.StrongestDrivers = drivers(d.Drivers)
	}
	pulses, err := ro.AskPulses(ctx, id, 1)
	if err != nil {
		return accountOut{}, err
	}
	if len(pulses) > 0 {
		p := pulseJSON(pulses[0])
		out.LastPulse = &p
	}
	alerts, err := ro.AskAlerts(ctx, id, "open", s.a.cfg.Now(), 10)
	if err != nil {
		return accountOut{}, err
	}
	for _, al := range alerts {
		out.OpenAlerts = append(out.OpenAlerts, alertJSON(al))
	}
	return out, nil
}

// drivers splits contributions into the most negative and most positive few.
func drivers(cs []scoring.Contribution) (weak, strong []driverOut) {
	sorted := append([]scoring.Contribution(nil), cs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Contribution < sorted[j].Contribution })
	for _, c := range sorted {
		if c.Contribution < 0 && len(weak) < driversShown {
			weak = append(weak, driverJSON(c))
		}
	}
	for i := len(sorted) - 1; i >= 0; i-- {
		if c := sorted[i]; c.Contribution > 0 && len(strong) < driversShown {
			strong = append(strong, driverJSON(c))
		}
	}
	return weak, strong
}

func driverJSON(c scoring.Contribution) driverOut {
	return driverOut{Metric: c.Metric, Label: clip(c.Label, nameChars), Detail: clip(c.Detail, summaryChars),
		Score: round1(c.Score), Contribution: round1(c.Contribution)}
}

func pulseJSON(p scoring.Pulse) pulseOut {
	reasons := make([]string, 0, len(p.Reasons))
	for i, r := range p.Reasons {
		if i == 5 {
			break
		}
		reasons = append(reasons, clip(r, nameChars))
	}
	return pulseOut{Week: p.Week, Rating: string(p.Rating), Reasons: reasons, Note: clip(p.Note, noteChars),
		By: clip(p.CSMName, nameChars), On: day(p.AnsweredAt)}
}

func alertJSON(al store.AskAlert) alertOut {
	return alertOut{Account: clip(al.Account, nameChars), Kind: clip(al.Kind, 40), Summary: clip(al.Summary, summaryChars),
		State: al.State, Fired: day(al.FiredAt)}
}

func (s *session) scoreHistory(ctx context.Context, ro *store.Store, name string, days int) (historyOut, error) {
	id, err := resolve(ctx, ro, name)
	if err != nil {
		return historyOut{}, err
	}
	d, err := ro.AskAccount(ctx, id, s.a.today())
	if err != nil {
		return historyOut{}, err
	}
	pts, err := ro.AskScoreHistory(ctx, id, s.a.today(), days)
	if err != nil {
		return historyOut{}, err
	}
	out := historyOut{Account: clip(d.Name, nameChars), Days: days, Points: []pointOut{}}
	s.sawName(d.ID, d.Name)
	if len(pts) == 0 {
		return out, nil
	}
	lo, hi := pts[0], pts[0]
	for _, p := range pts {
		if p.Score < lo.Score {
			lo = p
		}
		if p.Score > hi.Score {
			hi = p
		}
	}
	first, last, low, high := pointJSON(pts[0]), pointJSON(pts[len(pts)-1]), pointJSON(lo), pointJSON(hi)
	out.First, out.Last, out.Lowest, out.Highest = &first, &last, &low, &high
	for _, p := range downsample(pts, historyMax) {
		out.Points = append(out.Points, pointJSON(p))
	}
	s.saw(d.ID, d.Name, d.Score, d.Band)
	return out, nil
}

// downsample keeps at most n points, evenly spread, always the last.
func downsample(pts []store.AskPoint, n int) []store.AskPoint {
	if len(pts) <= n {
		return pts
	}
	out := make([]store.AskPoint, 0, n)
	step := float64(len(pts)-1) / float64(n-1)
	for i := range n {
		out = append(out, pts[int(math.Round(float64(i)*step))])
	}
	return out
}

func pointJSON(p store.AskPoint) pointOut {
	return pointOut{Date: day(p.AsOf), Score: round1(p.Score), Band: string(p.Band)}
}

func (s *session) listAlerts(ctx context.Context, ro *store.Store, account, state string, limit int) (map[string]any, error) {
	var id int64
	if account != "" {
		var err error
		if id, err = resolve(ctx, ro, account); err != nil {
			return nil, err
		}
	}
	alerts, err := ro.AskAlerts(ctx, id, state, s.a.cfg.Now(), limit)
	if err != nil {
		return nil, err
	}
	out := make([]alertOut, len(alerts))
	for i, al := range alerts {
		out[i] = alertJSON(al)
		s.sawName(al.AccountID, al.Account)
	}
	return map[string]any{"state": state, "returned": len(out), "alerts": out}, nil
}

func (s *session) listPulses(ctx context.Context, ro *store.Store, name string, limit int) (map[string]any, error) {
	id, err := resolve(ctx, ro, name)
	if err != nil {
		return nil, err
	}
	d, err := ro.AskAccount(ctx, id, s.a.today())
	if err != nil {
		return nil, err
	}
	ps, err := ro.AskPulses(ctx, id, limit)
	if err != nil {
		return nil, err
	}
	out := make([]pulseOut, len(ps))
	for i, p := range ps {
		out[i] = pulseJSON(p)
	}
	s.saw(d.ID, d.Name, d.Score, d.Band)
	return map[string]any{"account": clip(d.Name, nameChars), "returned": len(out), "pulses": out}, nil
}

func (s *session) portfolio(ctx context.Context, ro *store.Store, groupBy, segment string) (portfolioOut, error) {
	gs, err := ro.AskPortfolio(ctx, groupBy, segment, s.a.today())
	if err != nil {
		return portfolioOut{}, err
	}
	out := portfolioOut{AsOf: day(s.a.today()), GroupBy: groupBy, Groups: make([]groupOut, len(gs))}
	for i, g := range gs {
		name := g.Name
		switch {
		case groupBy == "none":
			name = "all accounts"
		case name == "" && groupBy == "owner":
			name = "(no owner)"
		case name == "":
			name = "(no segment)"
		}
		o := groupOut{Name: clip(name, nameChars), Accounts: g.Accounts, Green: g.Green, Yellow: g.Yellow, Red: g.Red,
			Unscored: g.None, MRR: round1(g.MRR), MRRRed: round1(g.MRRRed), Renewing90d: g.RenewingIn90Days}
		if g.ScoredAccounts > 0 {
			v := round1(g.AvgScore)
			o.AvgScore = &v
		}
		out.Groups[i] = o
	}
	return out, nil
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round2(v float64) float64 { return math.Round(v*100) / 100 }

func round1p(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := round1(*p)
	return &v
}

type metricOut struct {
	Key       string `json:"key"`
	Family    string `json:"family"`
	Label     string `json:"label"`
	Direction string `json:"direction"`
	Feature   string `json:"feature"`
}

// metrics is the configured catalog, as the system prompt words it.
func (s *session) metrics() map[string]any {
	lines := metricLines(s.a.cfg.Metrics)
	out := make([]metricOut, len(lines))
	for i, l := range lines {
		out[i] = metricOut{Key: l.Key, Family: l.Family, Label: clip(l.Label, nameChars), Direction: l.Direction, Feature: l.Feature}
	}
	return map[string]any{"metrics": out}
}

// backtestOut is the part of a stored backtest report a reader needs.
type (
	evalOut struct {
		AUC              float64    `json:"auc"`
		AUCCI            [2]float64 `json:"auc_ci"`
		NAccounts        int        `json:"n_accounts"`
		NChurnedAccounts int        `json:"n_churned_accounts"`
		ChurnRate        float64    `json:"churn_rate"`
		LiftWorstDecile  float64    `json:"lift_worst_decile"`
		RedPrecision     float64    `json:"red_precision"`
		RedRecall        float64    `json:"red_recall"`
		Verdict          string     `json:"verdict"`
	}
	backtestOut struct {
		RanOn       string `json:"ran_on"`
		HorizonDays int    `json:"horizon_days"`
		FirstAsOf   string `json:"first_as_of,omitempty"`
		LastAsOf    string `json:"last_as_of,omitempty"`
		evalOut
		ShuffledAUC float64 `json:"shuffled_control_auc"`
		Summary     string  `json:"summary,omitempty"`
		Scorecards  []struct {
			Name string `json:"name"`
			evalOut
		} `json:"scorecards,omitempty"`
	}
)

func (s *session) backtestSummary(ctx context.Context, ro *store.Store) (backtestOut, error) {
	run, err := ro.LatestBacktestRun(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return backtestOut{}, healthbot.Errorf(healthbot.ENOTFOUND, "no backtest has been run yet; whoever runs healthbot can run `healthbot backtest`")
	}
	if err != nil {
		return backtestOut{}, err
	}
	var rep struct {
		backtestOut
		AsOfDates []string `json:"as_of_dates"`
		Shuffled  struct {
			AUC float64 `json:"auc"`
		} `json:"shuffled_control"`
	}
	if err := json.Unmarshal(run.Report, &rep); err != nil {
		return backtestOut{}, fmt.Errorf("backtest report: %w", err)
	}
	out := rep.backtestOut
	out.RanOn, out.HorizonDays, out.ShuffledAUC = day(run.RanAt), run.HorizonDays, round2(rep.Shuffled.AUC)
	if n := len(rep.AsOfDates); n > 0 {
		out.FirstAsOf, out.LastAsOf = rep.AsOfDates[0], rep.AsOfDates[n-1]
	}
	out.Summary = clip(out.Summary, 600)
	out.evalOut = roundEval(out.evalOut)
	if len(out.Scorecards) > 10 {
		out.Scorecards = out.Scorecards[:10]
	}
	for i := range out.Scorecards {
		out.Scorecards[i].Name = clip(out.Scorecards[i].Name, nameChars)
		out.Scorecards[i].evalOut = roundEval(out.Scorecards[i].evalOut)
	}
	return out, nil
}

func roundEval(e evalOut) evalOut {
	e.AUC, e.ChurnRate, e.LiftWorstDecile = round2(e.AUC), round2(e.ChurnRate), round2(e.LiftWorstDecile)
	e.RedPrecision, e.RedRecall = round2(e.RedPrecision), round2(e.RedRecall)
	e.AUCCI = [2]float64{round2(e.AUCCI[0]), round2(e.AUCCI[1])}
	e.Verdict = clip(e.Verdict, summaryChars)
	return e
}
