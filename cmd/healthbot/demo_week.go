package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/alerts"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/pulse"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// The demo's CSM week (#17): who is away and who covers, and the
// touchpoints logged on each CSM's largest accounts.
const (
	demoAwayCSM  = "Daniel Okafor"
	demoCoverCSM = "Maya Chen"
	demoAwayDays = 9 // away through as-of + 9 days
)

// demoTouches are logged on each CSM's two largest live accounts, days
// before the as-of day.
var demoTouches = []struct {
	kind, note string
	daysBack   int
}{
	{store.TouchCall, "Called the sponsor: adoption plan agreed, follow-up in two weeks", 3},
	{store.TouchQBR, "QBR: reviewed usage and the renewal timeline", 17},
}

// seedCSMWeek marks the demo's away CSM (with a cover) and logs the
// touchpoints, once: a re-run of the demo leaves existing ones alone.
func seedCSMWeek(ctx context.Context, st *store.Store, asOf time.Time) error {
	csms, err := st.CSMs(ctx)
	if err != nil {
		return err
	}
	byName := map[string]scoring.CSM{}
	for _, c := range csms {
		byName[c.Name] = c
	}
	away, cover := byName[demoAwayCSM], byName[demoCoverCSM]
	if away.ID != 0 && cover.ID != 0 {
		if err := st.SetAway(ctx, store.Away{CSMID: away.ID, Until: asOf.AddDate(0, 0, demoAwayDays), CoverCSMID: cover.ID,
			SetBy: away.SlackUserID, SetAt: app.ScoreTime(asOf.AddDate(0, 0, -2))}); err != nil {
			return err
		}
	}
	accounts, err := st.Accounts(ctx)
	if err != nil {
		return err
	}
	live := slices.DeleteFunc(accounts, func(a scoring.Account) bool { return !a.ChurnedAt.IsZero() || a.OwnerID == 0 })
	slices.SortStableFunc(live, func(a, b scoring.Account) int { return cmp.Or(cmp.Compare(b.MRR, a.MRR), cmp.Compare(a.ID, b.ID)) })
	perOwner := map[int64]int{}
	for _, a := range live {
		if perOwner[a.OwnerID] == 2 {
			continue
		}
		perOwner[a.OwnerID]++
		n, err := st.CountTouchpoints(ctx, a.ID)
		if err != nil || n > 0 {
			if err != nil {
				return err
			}
			continue
		}
		for _, t := range demoTouches {
			at := app.ScoreTime(asOf.AddDate(0, 0, -t.daysBack)).Add(-3 * time.Hour)
			if _, err := st.AddTouchpoint(ctx, store.Touchpoint{AccountID: a.ID, CSMID: a.OwnerID, UserID: a.Owner.SlackUserID,
				Kind: t.kind, Note: t.note, At: at}); err != nil {
				return err
			}
		}
	}
	return nil
}

// week is the demo's section on the CSM's week: the next check-in as the
// pulse job would send it (rehearsed in a transaction that is rolled
// back), and the managers' team view.
func (r demoReport) week(ctx context.Context) error {
	r.heading("The CSM's week (/health away, /health team)")
	ww := &wrapWriter{w: r.w, width: reportWidth}
	defer ww.Close()
	r.w = ww
	if err := r.checkinRehearsal(ctx); err != nil {
		return err
	}
	loc := time.UTC
	now := app.ScoreTime(r.asOf)
	rep, err := bot.BuildTeamReport(ctx, r.st, now, scoring.ISOWeek(now.In(loc).AddDate(0, 0, -7)), scoring.Scorecards{})
	if err != nil {
		return err
	}
	v := rep.View()
	fmt.Fprintf(r.w, "\n  `/health team`, for managers (%d mostly green):\n\n", len(v.MostlyGreen))
	return r.render(blocks.TeamBlocks(v))
}

// checkinRehearsal runs the pulse job at the end of the as-of Monday
// against a recording Slack inside a transaction it rolls back, and says
// who would be asked about what.
func (r demoReport) checkinRehearsal(ctx context.Context) error {
	tx, err := r.st.DB().Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	st := store.New(tx)
	at := time.Date(r.asOf.Year(), r.asOf.Month(), r.asOf.Day(), 23, 0, 0, 0, time.UTC)
	for at.Weekday() != time.Monday {
		at = at.AddDate(0, 0, -1)
	}
	rec := &recordingSlack{}
	p := pulse.NewPulse(pulse.PulseConfig{Store: st, Slack: rec, Weekday: time.Monday, Hour: 10, Location: time.UTC, Pace: -1, Workers: 1,
		Instance: "demo", Now: func() time.Time { return at }})
	sum, err := p.RunTick(ctx)
	if err != nil {
		return err
	}
	csms, err := st.CSMs(ctx)
	if err != nil {
		return err
	}
	aways, err := st.AwayOn(ctx, scoring.Day(at))
	if err != nil {
		return err
	}
	name := map[int64]string{}
	for _, c := range csms {
		name[c.ID] = c.Name
	}
	for id, a := range aways {
		fmt.Fprintf(r.w, "  %s is away until %s (`/health away until %s cover @%s`): no check-in, no reminder.\n",
			name[id], a.Until.Format("Mon Jan 2"), a.Until.Format(time.DateOnly), strings.ToLower(strings.Fields(name[a.CoverCSMID])[0]))
	}
	fmt.Fprintf(r.w, "  The check-in of %s (rehearsed, nothing kept) goes to %d CSMs, %d away:\n", scoring.ISOWeek(at), sum.CSMs, sum.Away)
	week := scoring.ISOWeek(at)
	for _, c := range slices.SortedFunc(slices.Values(csms), func(a, b scoring.CSM) int { return cmp.Compare(a.Name, b.Name) }) {
		msgs, err := st.PulseMessagesOf(ctx, c.ID, week)
		if err != nil {
			return err
		}
		n := 0
		for _, m := range msgs {
			n += len(m.AccountIDs)
		}
		switch {
		case n > 0:
			owned, err := st.PulseOwnedAccountIDs(ctx, c.ID)
			if err != nil {
				return err
			}
			extra := ""
			if n > len(owned) {
				extra = fmt.Sprintf(" (%d of them covered for an away CSM)", n-len(owned))
			}
			fmt.Fprintf(r.w, "    %-16s asked about %d accounts%s\n", c.Name, n, extra)
		case aways[c.ID].CSMID != 0:
			fmt.Fprintf(r.w, "    %-16s away: nothing sent; the digest counts their accounts as away\n", c.Name)
		}
	}
	return nil
}

// recordingSlack stands in for Slack in the demo's rehearsals: it accepts
// every post with a made-up timestamp and keeps count.
type recordingSlack struct {
	mu    sync.Mutex
	posts map[string]int // channel → messages
	n     int
}

var (
	_ pulse.PulseSlack = (*recordingSlack)(nil)
	_ alerts.Slack     = (*recordingSlack)(nil)
)

func (s *recordingSlack) PostMessageContext(_ context.Context, channel string, _ ...slack.MsgOption) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.posts == nil {
		s.posts = map[string]int{}
	}
	s.posts[channel]++
	s.n++
	return channel, fmt.Sprintf("1700000000.%06d", s.n), nil
}

func (s *recordingSlack) UpdateMessageContext(_ context.Context, channel, ts string, _ ...slack.MsgOption) (string, string, string, error) {
	return channel, ts, "", nil
}

func (s *recordingSlack) OpenViewContext(context.Context, string, slack.ModalViewRequest) (*slack.ViewResponse, error) {
	return &slack.ViewResponse{}, nil
}

func (s *recordingSlack) GetUserInfoContext(_ context.Context, user string, _ ...slack.GetUserInfoOption) (*slack.User, error) {
	return &slack.User{ID: user}, nil
}

// postsTo is how many messages went to channel.
func (s *recordingSlack) postsTo(channel string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts[channel]
}
