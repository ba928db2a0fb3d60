package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func TestAskStatsReportsVotesByModelAndTool(t *testing.T) {
	t.Parallel()
	url := storetest.SchemaURL(t)
	ctx := context.Background()
	pool, err := store.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	st := store.New(pool)
	at := time.Now().Add(-time.Hour)
	for i, r := range []store.AskAnswerRecord{
		{AskedAt: at, UserID: "U1", Surface: "assistant", Question: "why did acme drop?", Tools: []string{"get_account", "score_history"}, Model: "gpt-4o-mini", Streamed: true},
		{AskedAt: at, UserID: "U2", Surface: "assistant", Question: "renewals?", Tools: []string{"search_accounts"}, Model: "gpt-4o-mini"},
		{AskedAt: at, UserID: "U1", Surface: "command", Question: "at risk", Tools: []string{"builtin"}},
		{AskedAt: at.AddDate(0, 0, -90), UserID: "U1", Surface: "command", Question: "long ago", Tools: []string{"builtin"}},
	} {
		id, err := st.RecordAskAnswer(ctx, r)
		require.NoError(t, err)
		switch i {
		case 0:
			require.NoError(t, st.VoteAskAnswer(ctx, id, "U1", true, at))
			require.NoError(t, st.VoteAskAnswer(ctx, id, "U2", false, at))
			require.NoError(t, st.VoteAskAnswer(ctx, id, "U2", true, at)) // changed their mind
		case 2:
			require.NoError(t, st.VoteAskAnswer(ctx, id, "U1", false, at))
		}
	}
	require.ErrorIs(t, st.VoteAskAnswer(ctx, 999999, "U1", true, at), store.ErrNotFound)

	var out, errOut stringsBuilder
	code := run(ctx, []string{"ask", "stats"}, ioStreams{out: &out, err: &errOut}, envOf(map[string]string{"DATABASE_URL": url}))
	require.Equal(t, 0, code, errOut.String())
	got := out.String()
	require.Contains(t, got, "MODEL              SURFACE    ANSWERS  UP  DOWN  HELPFUL\n")
	require.Contains(t, got, "gpt-4o-mini        assistant  2        2   0     100%\n")
	require.Contains(t, got, "(built-in parser)  command    1        0   1     0%\n")
	require.Contains(t, got, "get_account                   1        2   0     100%\n")
	require.Contains(t, got, "search_accounts               1        0   0     -\n")
	require.NotContains(t, got, "long ago")

	code = run(ctx, []string{"ask", "frobnicate"}, ioStreams{out: &out, err: &errOut}, envOf(map[string]string{"DATABASE_URL": url}))
	require.Equal(t, 2, code)
}
