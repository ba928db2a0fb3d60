package ingest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest"
	"github.com/healthbot/healthbot/store"
)

func track(user, event, msgID string) map[string]any {
	return map[string]any{"type": "track", "userId": user, "event": event, "messageId": msgID,
		"timestamp": "2026-03-01T10:00:00.000Z", "properties": map[string]any{"plan": "pro"}}
}

func TestGroupThenTrackAttributesEventsToTheAccount(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	auth := []string{"Authorization", basic(b.key)}

	r := b.post("/v1/identify", map[string]any{"userId": "u1", "traits": map[string]any{"role": "Admin", "email": "u1@acme.com"}, "messageId": "m-id"}, auth...)
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	r = b.post("/v1/track", track("u1", "Report Built", "m-before"), auth...)
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	r = b.post("/v1/group", map[string]any{"userId": "u1", "groupId": "acme", "traits": map[string]any{"name": "Acme"}, "messageId": "m-g"}, auth...)
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	r = b.post("/v1/batch", map[string]any{"batch": []any{
		track("u1", "Report Built", "m-after"),
		map[string]any{"type": "group", "userId": "u2", "groupId": "acme", "messageId": "m-g2"},
		track("u2", "Dashboard Viewed", "m-u2"), // same batch as u2's group call
		track("u3", "Dashboard Viewed", "m-u3"), // never grouped
	}}, auth...)
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	require.Equal(t, true, r.Body["success"])

	acc := b.count("SELECT id FROM account WHERE external_id = 'acme'")
	require.Equal(t, 1, b.count("SELECT count(*) FROM account_user WHERE account_id = $1 AND user_id = 'u1' AND is_admin", acc), "role=Admin from identify")
	require.Equal(t, 1, b.count("SELECT count(*) FROM account_user WHERE account_id = $1 AND user_id = 'u2' AND NOT is_admin", acc))
	for _, m := range []string{"m-after", "m-g", "m-g2", "m-u2"} {
		require.Equal(t, acc, b.count("SELECT coalesce(account_id, 0) FROM event WHERE message_id = $1", m), m)
	}
	// Events from before the group call, or never grouped, wait for the rollup.
	require.Equal(t, 0, b.count("SELECT coalesce(account_id, 0) FROM event WHERE message_id = 'm-before'"))
	require.Equal(t, 0, b.count("SELECT coalesce(account_id, 0) FROM event WHERE message_id = 'm-u3'"))
	require.Equal(t, 1, b.count(`SELECT count(*) FROM event WHERE message_id = 'm-after' AND type = 'track'
		AND name = 'Report Built' AND properties = '{"plan": "pro"}' AND occurred_at = '2026-03-01T10:00:00Z'`))
	require.Equal(t, 1, b.count(`SELECT count(*) FROM product_user WHERE user_id = 'u1' AND traits->>'email' = 'u1@acme.com'`))
}

func TestDuplicateMessageIDIsStoredOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	batch := map[string]any{"batch": []any{track("u1", "A", "dup-1"), track("u1", "A", "dup-1"), track("u1", "B", "dup-2")}}
	r := b.post("/v1/batch", batch)
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	require.Equal(t, 2.0, r.Body["stored"])
	require.Equal(t, 1.0, r.Body["duplicates"])
	r = b.post("/v1/batch", batch) // the library retrying a batch it thinks failed
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, 0.0, r.Body["stored"])
	require.Equal(t, 2, b.count("SELECT count(*) FROM event"))
	require.Equal(t, 2.0, b.items("batch", "accepted", "stored"))
	require.Equal(t, 4.0, b.items("batch", "accepted", "duplicate"))

	noID := map[string]any{"type": "track", "userId": "u1", "event": "C", "timestamp": "2026-03-01T10:00:00Z"}
	require.Equal(t, http.StatusOK, b.post("/v1/track", noID).Status)
	require.Equal(t, http.StatusOK, b.post("/v1/track", noID).Status)
	require.Equal(t, 1, b.count("SELECT count(*) FROM event WHERE name = 'C'"), "an event without messageId is deduplicated by its content")
}

func TestSegmentAcceptsGzipAndWriteKeyInBody(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	body := map[string]any{"writeKey": b.key, "batch": []any{track("u1", "Zipped", "z-1")}}
	r := b.post("/v1/batch", gzipped(t, body), "Content-Encoding", "gzip", "Authorization", "")
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	require.Equal(t, 1, b.count("SELECT count(*) FROM event WHERE name = 'Zipped'"))

	body["writeKey"] = "hb_wrong"
	r = b.post("/v1/batch", body, "Authorization", "")
	require.Equal(t, http.StatusUnauthorized, r.Status)
	r = b.post("/v1/batch", []byte("not gzip"), "Content-Encoding", "gzip")
	require.Equal(t, http.StatusBadRequest, r.Status)
	r = b.post("/v1/batch", []byte("{}"), "Content-Encoding", "br")
	require.Equal(t, http.StatusUnsupportedMediaType, r.Status)
}

func TestSegmentSizeLimitsAre413(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	big := track("u1", "Big", "big-1")
	big["properties"] = map[string]any{"blob": strings.Repeat("x", 33<<10)}
	r := b.post("/v1/batch", map[string]any{"batch": []any{track("u1", "Small", "s-1"), big}})
	require.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
	require.Contains(t, r.Body["error"].(map[string]any)["message"], "event 1")
	r = b.post("/v1/track", big)
	require.Equal(t, http.StatusRequestEntityTooLarge, r.Status)

	var many []any
	for i := range 20 {
		ev := track("u1", "Medium", "med-"+string(rune('a'+i)))
		ev["properties"] = map[string]any{"blob": strings.Repeat("x", 30<<10)}
		many = append(many, ev)
	}
	r = b.post("/v1/batch", map[string]any{"batch": many})
	require.Equal(t, http.StatusRequestEntityTooLarge, r.Status, "600 KB batch")
	r = b.post("/v1/batch", gzipped(t, map[string]any{"batch": many}), "Content-Encoding", "gzip")
	require.Equal(t, http.StatusRequestEntityTooLarge, r.Status, "compresses well but is 600 KB inside")
	require.Zero(t, b.count("SELECT count(*) FROM event"))
}

func TestSegmentStatusCodesForBadEvents(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	// A single bad event is 400 so Segment's libraries drop it instead of retrying.
	r := b.post("/v1/track", map[string]any{"event": "No user"})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, "userId", str(r.errorItems()[0]["field"]))
	r = b.post("/v1/group", map[string]any{"userId": "u1"})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, "groupId", str(r.errorItems()[0]["field"]))
	r = b.post("/v1/batch", []byte(`{"batch": [`))
	require.Equal(t, http.StatusBadRequest, r.Status)

	// A batch is all or nothing, as REST batches are: one bad event rejects
	// it with every bad event named (index, field, why) and nothing stored.
	good := []any{
		track("u1", "Good", "g-1"),
		map[string]any{"type": "track", "userId": 42, "event": "Numeric user", "timestamp": "2026-03-01T10:00:00Z",
			"properties": map[string]any{"nul": "a\u0000b"}},
		map[string]any{"type": "alias", "userId": "u1", "previousId": "anon"},
	}
	mixed := append([]any{good[0],
		map[string]any{"type": "track", "userId": "u1", "messageId": "g-2"},
		map[string]any{"type": "boom", "userId": "u1"}}, good[1:]...)
	r = b.post("/v1/batch", map[string]any{"batch": mixed})
	require.Equal(t, http.StatusBadRequest, r.Status, r.Body)
	items := r.errorItems()
	require.Len(t, items, 2, "%v", items)
	require.Equal(t, []any{1.0, "event"}, []any{items[0]["index"], items[0]["field"]})
	require.Equal(t, []any{2.0, "type"}, []any{items[1]["index"], items[1]["field"]})
	require.Contains(t, r.Body["error"].(map[string]any)["message"], "2 of 5 items are invalid; nothing was written")
	require.Zero(t, b.count("SELECT count(*) FROM event"), "nothing of a batch with a bad event is stored")
	require.Equal(t, 2.0, b.items("batch", "rejected", "invalid"))
	require.Equal(t, 3.0, b.items("batch", "rejected", "batch_invalid"))

	// The sender drops the bad events and sends the rest again: all stored.
	r = b.post("/v1/batch", map[string]any{"batch": good})
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	require.Equal(t, 2.0, r.Body["stored"])
	require.NotContains(t, r.Body, "rejected")
	require.Equal(t, 1, b.count(`SELECT count(*) FROM event WHERE user_id = '42' AND properties->>'nul' = 'ab'`))
	require.Equal(t, 1.0, b.items("batch", "accepted", "ignored"))

	// A Segment webhook destination posts single events with a type to one URL.
	r = b.post("/v1/batch", track("u9", "From webhook", "wh-1"))
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	require.Equal(t, 1, b.count("SELECT count(*) FROM event WHERE message_id = 'wh-1'"))
}

func TestIdentifyAfterGroupUpdatesAdmin(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	isAdmin := func() int {
		return b.count("SELECT count(*) FROM account_user au JOIN account a ON a.id = au.account_id WHERE a.external_id = 'acme' AND au.user_id = 'u1' AND au.is_admin")
	}
	require.Equal(t, http.StatusOK, b.post("/v1/group", map[string]any{"userId": "u1", "groupId": "acme"}).Status)
	require.Equal(t, 0, isAdmin())
	require.Equal(t, http.StatusOK, b.post("/v1/identify", map[string]any{"userId": "u1", "traits": map[string]any{"is_admin": true}}).Status)
	require.Equal(t, 1, isAdmin())
	require.Equal(t, http.StatusOK, b.post("/v1/batch", map[string]any{"batch": []any{
		map[string]any{"type": "identify", "userId": "u1", "traits": map[string]any{"is_admin": false, "role": "member"}, "messageId": "i2"},
		map[string]any{"type": "identify", "userId": "u1", "traits": map[string]any{"plan": "pro"}, "messageId": "i3"},
	}}).Status)
	require.Equal(t, 0, isAdmin())
	require.Equal(t, 1, b.count(`SELECT count(*) FROM product_user WHERE user_id = 'u1' AND traits = '{"is_admin": false, "role": "member", "plan": "pro"}'`),
		"traits of one batch merge in order")
}

// The Segment library sends batches concurrently: a user's track calls can
// be stored before the batch holding their group call. Sent in that order
// on purpose, every track call still counts for the account once the
// rollup runs (attribution through user → account membership).
func TestTrackBeforeGroupIsAttributedAtRollup(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	auth := []string{"Authorization", basic(b.key)}
	r := b.post("/v1/batch", map[string]any{"batch": []any{
		track("late", "Report Built", "l1"), track("late", "Report Built", "l2"), track("late", "Dashboard Viewed", "l3"),
	}}, auth...)
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	require.Zero(t, b.count("SELECT count(*) FROM event WHERE user_id = 'late' AND account_id IS NOT NULL"), "no account known yet")

	r = b.post("/v1/batch", map[string]any{"batch": []any{
		map[string]any{"type": "group", "userId": "late", "groupId": "acme", "messageId": "lg", "timestamp": "2026-03-01T12:00:00Z"},
	}}, auth...)
	require.Equal(t, http.StatusOK, r.Status, r.Body)

	res, err := b.store.RollupUsage(context.Background(), store.RollupOptions{AsOf: fixedNow})
	require.NoError(t, err)
	require.EqualValues(t, 3, res.Attributed)
	acme := b.count("SELECT id FROM account WHERE external_id = 'acme'")
	require.Equal(t, 3, b.count("SELECT count(*) FROM event WHERE type = 'track' AND user_id = 'late' AND account_id = $1", acme))
}
