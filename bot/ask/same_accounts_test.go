package ask_test

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/ask"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/scoring"
)

// "At risk" and "renewal at risk" are scoring's rules (rules.go); every
// surface that names such accounts must name the same ones. Besides
// asktest's portfolio (Acme red, Initech yellow and flat, Hooli yellow and
// down 6) the fixture holds the edges: Slide, yellow and down exactly
// AtRiskDrop in 28 days; Drift, yellow and down 8.5; Calm, green and
// renewing soon; Later, red but renewing after the window.
func TestSurfacesNameTheSameAccountsAtRisk(t *testing.T) {
	t.Parallel()
	b := setup(t, options{seed: func(t *testing.T, fx fixture) {
		ctx := context.Background()
		dana, err := fx.St.EnsureCSM(ctx, "dana@example.com", "UDANA", "Dana Scully")
		require.NoError(t, err)
		for _, a := range []struct {
			ext      string
			from, to float64
			renews   int
		}{
			{"slide", 52 + scoring.AtRiskDrop, 52, 60},
			{"drift", 58.5, 50, 30},
			{"calm", 80, 80, 15},
			{"later", 30, 30, 120},
		} {
			id, err := fx.St.UpsertAccount(ctx, scoring.Account{ExternalID: a.ext, Name: a.ext, Segment: "SMB", OwnerID: dana,
				MRR: 100, RenewalDate: today.AddDate(0, 0, a.renews)})
			require.NoError(t, err)
			fx.IDs[a.ext] = id
			fx.Scores(t, a.ext, a.from, a.to, nil)
		}
	}})
	ctx := context.Background()
	health := health.NewHealth(b.st, nil, func() time.Time { return now })
	digest, _, err := bot.NewDigest(bot.DigestConfig{Store: b.st}).Build(ctx, now)
	require.NoError(t, err)

	wantAtRisk := []string{"acme", "later", "slide"}
	list, err := health.HandleCommand(ctx, bot.Request{UserID: "UDANA", Command: "/health", Text: "at-risk"})
	require.NoError(t, err)
	require.Equal(t, wantAtRisk, named(t, b.fx, list), "/health at-risk")
	answer, err := b.asker.Answer(ctx, ask.Question{Text: "Which accounts are at risk?", UserID: "UDANA"})
	require.NoError(t, err)
	require.Equal(t, wantAtRisk, named(t, b.fx, answer), "the question")
	var inDigest []string
	for _, a := range digest.AtRisk {
		inDigest = append(inDigest, extOf(b.fx, a.Account.ID))
	}
	slices.Sort(inDigest)
	require.Equal(t, wantAtRisk, inDigest, "the digest")

	wantRenewals := []string{"acme", "drift", "hooli", "initech", "slide"}
	renewals, err := health.HandleCommand(ctx, bot.Request{UserID: "UDANA", Command: "/health", Text: "renewals 90d"})
	require.NoError(t, err)
	require.Contains(t, renewals.Text+blocksJSON(t, renewals), "at risk (red or yellow): 5 ", "/health renewals")
	require.Equal(t, sortedCopy(append(slices.Clone(wantRenewals), "calm")), named(t, b.fx, renewals), "/health renewals lists Calm too")
	answer, err = b.asker.Answer(ctx, ask.Question{Text: "renewals at risk in the next 90 days", UserID: "UDANA"})
	require.NoError(t, err)
	require.Equal(t, wantRenewals, named(t, b.fx, answer), "the question")
	var renewing []string
	for _, r := range digest.Renewals {
		renewing = append(renewing, extOf(b.fx, r.Account.ID))
	}
	slices.Sort(renewing)
	require.Equal(t, wantRenewals, renewing, "the digest")
}

var buttonValue = regexp.MustCompile(`"value":"(\d+)"`)

// named lists, sorted, the external ids of the accounts a message's buttons open.
func named(t *testing.T, fx fixture, m bot.Message) []string {
	t.Helper()
	js, err := json.Marshal(slack.Blocks{BlockSet: m.Blocks})
	require.NoError(t, err)
	var out []string
	for _, v := range buttonValue.FindAllStringSubmatch(string(js), -1) {
		for ext, id := range fx.IDs {
			if v[1] == strconv.FormatInt(id, 10) && !slices.Contains(out, ext) {
				out = append(out, ext)
			}
		}
	}
	slices.Sort(out)
	return out
}

func sortedCopy(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func extOf(fx fixture, id int64) string {
	for ext, v := range fx.IDs {
		if v == id {
			return ext
		}
	}
	return ""
}
