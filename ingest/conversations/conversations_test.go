package conversations_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/ingest/conversations"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// fakeSentiment is a Sentiment whose answer the test decides.
type fakeSentiment struct {
	negative func(ctx context.Context, text string) (bool, error)
}

var _ conversations.Sentiment = (*fakeSentiment)(nil)

func (f *fakeSentiment) Negative(ctx context.Context, text string) (bool, error) {
	return f.negative(ctx, text)
}

var linkedAt = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func setup(t *testing.T) (*conversations.Recorder, *store.Store, *[]string) {
	t.Helper()
	s := storetest.Store(t)
	for _, a := range []scoring.Account{{ExternalID: "acme", Name: "Acme"}, {ExternalID: "beta", Name: "Beta"}} {
		_, err := s.UpsertAccount(context.Background(), a)
		require.NoError(t, err)
	}
	var classified []string
	sent := &fakeSentiment{negative: func(_ context.Context, text string) (bool, error) {
		classified = append(classified, text)
		if text == "ERR" {
			return false, errors.New("model down")
		}
		return strings.Contains(text, "!!"), nil
	}}
	return conversations.New(s, sent, nil, func() time.Time { return linkedAt }), s, &classified
}

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestLink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, _, _ := setup(t)
	l, err := r.Link(ctx, "C1", "acme")
	require.NoError(t, err)
	require.Equal(t, conversations.Link{ChannelID: "C1", AccountExternalID: "acme", AccountName: "Acme"}, l)
	got, ok, err := r.Linked(ctx, "C1")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, l, got)

	_, err = r.Link(ctx, "C1", "nope")
	require.Equal(t, healthbot.ENOTFOUND, healthbot.ErrorCode(err), "health's link then tries the account's name")
	require.Contains(t, healthbot.ErrorMessage(err), `no account "nope"`)

	_, err = r.Link(ctx, "C1", "beta") // relink
	require.NoError(t, err)
	got, _, err = r.Linked(ctx, "C1")
	require.NoError(t, err)
	require.Equal(t, "beta", got.AccountExternalID)
	ok, err = r.Unlink(ctx, "C1")
	require.NoError(t, err)
	require.True(t, ok)
	_, ok, err = r.Linked(ctx, "C1")
	require.NoError(t, err)
	require.False(t, ok)
}

func TestTalliesFirstResponseMedianAndSignals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, s, classified := setup(t)
	for ch, acc := range map[string]string{"C1": "acme", "C2": "acme", "C3": "beta"} {
		_, err := r.Link(ctx, ch, acc)
		require.NoError(t, err)
	}
	msgs := []conversations.Message{
		{ChannelID: "C1", UserID: "UC1", TS: at("2026-03-02 09:00"), Text: "hi"},
		{ChannelID: "C1", UserID: "UC1", TS: at("2026-03-02 09:05"), Text: "still broken!!"},        // waits with 09:00
		{ChannelID: "C1", UserID: "UT1", TS: at("2026-03-02 09:30"), Text: "on it", FromTeam: true}, // 30 min
		{ChannelID: "C1", UserID: "UT1", TS: at("2026-03-02 10:00"), Text: "fixed", FromTeam: true},
		{ChannelID: "C1", UserID: "UC2", TS: at("2026-03-02 11:00"), Text: "thanks"},
		{ChannelID: "C1", UserID: "UC2", TS: at("2026-03-02 11:10"), Text: "ERR"},
		{ChannelID: "C1", UserID: "UT2", TS: at("2026-03-02 11:20"), Text: "np", FromTeam: true}, // 20 min
		{ChannelID: "C1", UserID: "UC1", TS: at("2026-03-02 23:50"), Text: "late night!!"},
		{ChannelID: "C1", UserID: "UT1", TS: at("2026-03-03 00:20"), Text: "here", FromTeam: true}, // 30 min, counts on 03-02
		{ChannelID: "C1", UserID: "UC1", TS: at("2026-03-03 01:00"), Text: "hello"},                // never answered
		{ChannelID: "C2", UserID: "UC3", TS: at("2026-03-02 12:00"), Text: "ok"},
		{ChannelID: "C2", UserID: "UT1", TS: at("2026-03-02 12:10"), Text: "great", FromTeam: true}, // 10 min
	}
	for _, m := range msgs {
		ok, err := r.Record(ctx, m)
		require.NoError(t, err)
		require.True(t, ok, m.Text)
	}
	ok, err := r.Record(ctx, msgs[0]) // Slack redelivering an event
	require.NoError(t, err)
	require.False(t, ok)
	ok, err = r.Record(ctx, conversations.Message{ChannelID: "C9", TS: at("2026-03-02 09:00"), Text: "unlinked!!"})
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, []string{"hi", "still broken!!", "thanks", "ERR", "late night!!", "hello", "ok"}, *classified,
		"only customer messages of linked channels are classified")

	tallies, err := r.Tallies(ctx, "C1", at("2026-03-02 00:00"), at("2026-03-04 00:00"))
	require.NoError(t, err)
	thirty := 30.0
	require.Equal(t, []store.ConversationDay{
		{Day: at("2026-03-02 00:00"), CustomerMessages: 5, TeamMessages: 3, FirstResponseMinutes: &thirty, Negative: 2, Classified: 4},
		{Day: at("2026-03-03 00:00"), CustomerMessages: 1, TeamMessages: 1, Negative: 0, Classified: 1},
	}, tallies)

	written, err := r.Aggregate(ctx, at("2026-03-04 06:00"), 2)
	require.NoError(t, err)
	require.Equal(t, map[string]int64{"customer_messages": 4, "team_messages": 4, "first_response_minutes": 1, "negative_sentiment_share": 2}, written)
	require.Equal(t, map[string]float64{
		"acme 2026-03-02 customer_messages": 6, "acme 2026-03-02 team_messages": 4,
		"acme 2026-03-02 first_response_minutes":   25, // median of 30, 20, 30 (C1) and 10 (C2)
		"acme 2026-03-02 negative_sentiment_share": 0.4,
		"acme 2026-03-03 customer_messages":        1, "acme 2026-03-03 team_messages": 1,
		"acme 2026-03-03 negative_sentiment_share": 0,
		"beta 2026-03-02 customer_messages":        0, "beta 2026-03-02 team_messages": 0, // a quiet linked channel is data
		"beta 2026-03-03 customer_messages": 0, "beta 2026-03-03 team_messages": 0,
	}, conversationSignals(t, s))

	again, err := r.Aggregate(ctx, at("2026-03-04 06:00"), 2)
	require.NoError(t, err)
	require.Empty(t, again, "a rerun rewrites nothing")
}

func TestMessageTextIsNeverStored(t *testing.T) {
	t.Parallel()
	_, s, _ := setup(t)
	rows, err := s.DB().Query(context.Background(), `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'conversation_message' ORDER BY ordinal_position`)
	require.NoError(t, err)
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		require.NoError(t, rows.Scan(&c))
		cols = append(cols, c)
	}
	require.Equal(t, []string{"channel_id", "ts", "from_team", "negative"}, cols)
}

func conversationSignals(t *testing.T, s *store.Store) map[string]float64 {
	t.Helper()
	rows, err := s.DB().Query(context.Background(), `
		SELECT a.external_id || ' ' || to_char(sg.observed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') || ' ' || sg.metric, sg.value
		FROM signal sg JOIN account a ON a.id = sg.account_id WHERE sg.source = 'slack'`)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var k string
		var v float64
		require.NoError(t, rows.Scan(&k, &v))
		out[k] = v
	}
	require.NoError(t, rows.Err())
	return out
}
