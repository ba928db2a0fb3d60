package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/bottest/harness"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/bot/healthtest"
	"github.com/healthbot/healthbot/ingest/conversations"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// negativeModel is an OpenAI-compatible chat server that calls a message
// negative when it contains "unhappy".
func negativeModel(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct{ Content string } `json:"messages"`
		}
		if r.URL.Path != "/v1/chat/completions" || json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Messages) != 2 {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		answer := "not_negative"
		if strings.Contains(req.Messages[1].Content, "unhappy") {
			answer = "negative"
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "chat.completion",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": answer}}}})
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

type convBundle struct {
	h     *harness.Harness
	rec   *conversations.Recorder
	store *store.Store
}

// setupConversations runs the real HTTP transport with /health and the
// conversation handlers wired as serve wires them, over a fresh schema
// holding account "acme" and CSM U0DANA, with a fake sentiment model.
func setupConversations(t *testing.T) convBundle {
	t.Helper()
	st := store.New(storetest.Schema(t))
	fix := healthtest.New(t, st, time.Now())
	fix.CSM("dana@example.com", "U0DANA", "Dana Scully")
	fix.Account(scoring.Account{Name: "Acme", ExternalID: "acme", Segment: "SMB"})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := Config{OpenAIModel: "gpt-test", OpenAIAPIKey: "sk-test", OpenAIBaseURL: negativeModel(t)}
	rec := newConversations(cfg, st, log)

	h := harness.New(t, nil)
	hc := health.NewHealth(st, log, time.Now)
	h.Router.Command(health.HelpCommand, hc)
	wireConversations(h.Router, hc, rec, st, h.API, log)
	return convBundle{h: h, rec: rec, store: st}
}

func (b convBundle) command(t *testing.T, text, hook string) string {
	t.Helper()
	code, ack := b.h.Command(t, text, hook)
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, ack, "answered through response_url")
	post := b.h.Hooks.WaitFor(t, hook)
	require.NotEqual(t, slack.ResponseTypeInChannel, post.Message.ResponseType, "ephemeral")
	return post.Message.Text
}

// message is a message event in a channel as Slack sends it.
func message(fields map[string]any) map[string]any {
	ev := map[string]any{"type": "message", "channel": "C1", "channel_type": "channel"}
	for k, v := range fields {
		ev[k] = v
	}
	return ev
}

func TestConversationSignalsFromSlack(t *testing.T) {
	t.Parallel()
	b := setupConversations(t)
	ctx := context.Background()

	require.Equal(t, "Linked <#C1> to Acme. I'll record message counts and response times, never message text. "+
		"Invite me to the channel if I'm not in it.", b.command(t, "link <#C1|acme-shared> acme", "link"))
	var linkedTo string
	require.NoError(t, b.store.DB().QueryRow(ctx,
		`SELECT a.external_id FROM channel_link l JOIN account a ON a.id = l.account_id WHERE l.channel_id = 'C1'`).Scan(&linkedTo))
	require.Equal(t, "acme", linkedTo)

	at := func(hhmm string) string { // a Slack ts on 2026-03-02 (UTC)
		d, err := time.Parse("15:04", hhmm)
		require.NoError(t, err)
		return fmt.Sprintf("%d.000100", time.Date(2026, 3, 2, d.Hour(), d.Minute(), 0, 0, time.UTC).Unix())
	}
	customer := message(map[string]any{"user": "UCUST", "user_team": "T2", "source_team": "T2", "text": "Broken again, we are unhappy", "ts": at("09:00")})
	events := []map[string]any{
		customer,
		message(map[string]any{"user": "UTEAM", "user_team": "T1", "text": "Looking into it", "ts": at("09:30")}), // a colleague: 30 minutes
		message(map[string]any{"user": "U0DANA", "text": "Fixed, sorry about that", "ts": at("09:45")}),           // the CSM
		message(map[string]any{"user": "UCUST", "user_team": "T2", "text": "Thanks, works now", "ts": at("10:00")}),
		// not people talking, or not for this channel:
		message(map[string]any{"subtype": "bot_message", "bot_id": "B0JIRA", "text": "JIRA-1 updated", "ts": at("09:10")}),
		message(map[string]any{"subtype": "channel_join", "user": "UNEW", "text": "<@UNEW> has joined the channel", "ts": at("09:11")}),
		message(map[string]any{"subtype": "message_changed", "hidden": true, "ts": at("09:12"),
			"message": map[string]any{"type": "message", "user": "UCUST", "text": "Broken again!!", "ts": at("09:00")}}),
		message(map[string]any{"user": "UBOT", "bot_id": "BBOT", "text": "Acme is red", "ts": at("09:13")}),
		message(map[string]any{"user": "UCUST", "user_team": "T2", "text": "<@UBOT> how is acme?", "ts": at("09:14")}),
		message(map[string]any{"channel": "C9", "user": "UCUST", "user_team": "T2", "text": "unlinked channel", "ts": at("09:15")}),
		customer, // delivered again under a new event id
	}
	for i, ev := range events {
		code, _ := b.h.Event(t, fmt.Sprintf("Ev%03d", i), ev)
		require.Equal(t, http.StatusOK, code)
	}
	b.h.Idle(t)

	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	tallies, err := b.rec.Tallies(ctx, "C1", day, day.AddDate(0, 0, 1))
	require.NoError(t, err)
	thirty := 30.0
	require.Equal(t, []store.ConversationDay{{
		Day: day, CustomerMessages: 2, TeamMessages: 2, FirstResponseMinutes: &thirty, Negative: 1, Classified: 2,
	}}, tallies)

	for _, text := range []string{"unhappy", "Looking into it", "Fixed, sorry", "Thanks, works", "JIRA", "how is acme"} {
		require.Empty(t, tablesContaining(t, b.store, text), "message text %q is stored somewhere", text)
	}
}

func TestLinkUnknownAccountAndUnlink(t *testing.T) {
	t.Parallel()
	b := setupConversations(t)
	require.Equal(t, `There is no account "nosuch". Use the account's id as the CRM or the intake knows it.`,
		b.command(t, "link <#C2|beta-shared> nosuch", "unknown"))
	require.Contains(t, b.command(t, "link <#C2|beta-shared>", "status"), "<#C2> is not linked to an account.")

	b.command(t, "link <#C2|beta-shared> Acme", "by-name")
	code, _ := b.h.Event(t, "Ev1", message(map[string]any{"channel": "C2", "user": "UCUST", "user_team": "T2", "text": "hi", "ts": "1772442000.000100"}))
	require.Equal(t, http.StatusOK, code)
	b.h.Idle(t)
	require.Equal(t, 1, count(t, b.store, `SELECT count(*) FROM conversation_message WHERE channel_id = 'C2'`))

	require.Contains(t, b.command(t, "unlink <#C2|beta-shared>", "unlink"), "Unlinked <#C2> from Acme.")
	require.Equal(t, 0, count(t, b.store, `SELECT count(*) FROM channel_link`))
	require.Equal(t, 0, count(t, b.store, `SELECT count(*) FROM conversation_message`))
}

func TestSentimentNeedsAModel(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	require.Nil(t, newSentiment(Config{}, log), "no model: no classifier (a nil interface, not a typed nil)")
	require.Nil(t, newSentiment(Config{OpenAIModel: "m", OpenAIBaseURL: "ftp://nope"}, log))
	s := newSentiment(Config{OpenAIModel: "gpt-test", OpenAIBaseURL: negativeModel(t)}, log)
	require.NotNil(t, s)
	neg, err := s.Negative(context.Background(), "we are unhappy")
	require.NoError(t, err)
	require.True(t, neg)
}

// tablesContaining lists the tables of the test schema with a row whose
// text form contains s.
func tablesContaining(t *testing.T, st *store.Store, s string) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := st.DB().Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Contains(t, tables, "conversation_message")
	var hits []string
	for _, table := range tables {
		var n int
		q := fmt.Sprintf(`SELECT count(*) FROM %s AS r WHERE r::text ILIKE '%%' || $1 || '%%'`, pgx.Identifier{table}.Sanitize())
		require.NoError(t, st.DB().QueryRow(ctx, q, s).Scan(&n))
		if n > 0 {
			hits = append(hits, table)
		}
	}
	return hits
}

func count(t *testing.T, st *store.Store, q string) int {
	t.Helper()
	var n int
	require.NoError(t, st.DB().QueryRow(context.Background(), q).Scan(&n))
	return n
}
