package bottest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// Content types Slack uses.
const (
	FormContent = "application/x-www-form-urlencoded"
	JSONContent = "application/json"
)

// SignHeaders sets the X-Slack-Request-Timestamp and X-Slack-Signature
// Slack would send with body at time at. It is written here independently
// of package bot (which it must not import), so it checks bot's verifier
// rather than agreeing with it by construction.
func SignHeaders(h http.Header, secret string, at time.Time, body []byte) {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}

// SignedRequest builds a POST to target as Slack signs it with secret at time at.
func SignedRequest(t testing.TB, target, secret string, at time.Time, contentType string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("bottest: %v", err)
	}
	req.Header.Set("Content-Type", contentType)
	SignHeaders(req.Header, secret, at, body)
	return req
}

// CommandBody is a slash command as Slack posts it to /slack/commands.
func CommandBody(cmd slack.SlashCommand) []byte {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("token", cmd.Token)
	set("team_id", cmd.TeamID)
	set("team_domain", cmd.TeamDomain)
	set("channel_id", cmd.ChannelID)
	set("channel_name", cmd.ChannelName)
	set("user_id", cmd.UserID)
	set("user_name", cmd.UserName)
	set("command", cmd.Command)
	v.Set("text", cmd.Text)
	set("response_url", cmd.ResponseURL)
	set("trigger_id", cmd.TriggerID)
	set("api_app_id", cmd.APIAppID)
	return []byte(v.Encode())
}

// Command is a typical /health command from user U1 in channel C1.
func Command(text, responseURL string) slack.SlashCommand {
	return slack.SlashCommand{
		TeamID: "T1", TeamDomain: "acme-cs", ChannelID: "C1", ChannelName: "cs-team",
		UserID: "U1", UserName: "dana", Command: "/health", Text: text,
		ResponseURL: responseURL, TriggerID: "13345224609.738474920.8088930838d88f008e0", APIAppID: "A1",
	}
}

// InteractionBody is an interactivity payload as Slack posts it to
// /slack/interactivity: a form with one "payload" field of JSON.
func InteractionBody(t testing.TB, cb slack.InteractionCallback) []byte {
	t.Helper()
	b, err := json.Marshal(&cb)
	if err != nil {
		t.Fatalf("bottest: %v", err)
	}
	return []byte(url.Values{"payload": {string(b)}}.Encode())
}

// InteractionJSON is cb as the JSON Slack sends (the Socket Mode payload).
func InteractionJSON(t testing.TB, cb slack.InteractionCallback) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(&cb)
	if err != nil {
		t.Fatalf("bottest: %v", err)
	}
	return b
}

// EventBody wraps inner (an event object such as {"type":"app_mention",…})
// in the event_callback envelope Slack posts to /slack/events.
func EventBody(t testing.TB, eventID string, inner any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": 1700000000, "event": inner,
	})
	if err != nil {
		t.Fatalf("bottest: %v", err)
	}
	return b
}
