package bottest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Call is one Web API request the fake received.
type Call struct {
	Method string      // "chat.postMessage"
	Header http.Header // Authorization carries the token
	Form   url.Values  // form-encoded calls (most of slack-go's)
	JSON   map[string]any
	Body   []byte
}

// Reply is the fake's answer to a call. Status 0 means 200; Body is encoded
// as JSON; Header lets a 429 carry Retry-After.
type Reply struct {
	Status int
	Header http.Header
	Body   any
}

// ReplyFunc answers a call; returning nil falls back to the default reply.
type ReplyFunc func(c Call) *Reply

// Slack is a fake Slack Web API speaking the real wire format on an
// httptest server: it records every call, answers each method like Slack
// would (ok:true, plausible ids), and serves Socket Mode over WebSocket.
type Slack struct {
	reply  ReplyFunc
	server *httptest.Server
	socket *socketServer

	mu      sync.Mutex
	calls   []Call
	ts      int
	changed broadcast
}

// NewSlack starts a fake Slack, closed at the end of the test; reply may
// override answers per call (nil for the defaults).
func NewSlack(t testing.TB, reply ReplyFunc) *Slack {
	s := &Slack{reply: reply, changed: newBroadcast()}
	s.socket = newSocketServer()
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/socket", s.socket.serve)
	s.server = httptest.NewServer(mux)
	t.Cleanup(func() {
		s.socket.closeAll()
		s.server.Close()
	})
	return s
}

// APIURL is the base URL to give SLACK_API_URL / SlackConfig.APIURL.
func (s *Slack) APIURL() string { return s.server.URL + "/api/" }

func (s *Slack) serveAPI(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c := Call{Method: strings.TrimPrefix(r.URL.Path, "/api/"), Header: r.Header.Clone(), Body: body, Form: url.Values{}}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case FormContent:
		c.Form, _ = url.ParseQuery(string(body))
	case JSONContent:
		_ = json.Unmarshal(body, &c.JSON)
	}
	for k, v := range r.URL.Query() {
		c.Form[k] = v
	}
	s.mu.Lock()
	s.ts++
	ts := fmt.Sprintf("1700000000.%06d", s.ts)
	s.calls = append(s.calls, c)
	s.changed.fire()
	s.mu.Unlock()

	var rep *Reply
	if s.reply != nil {
		rep = s.reply(c)
	}
	if rep == nil {
		rep = s.defaultReply(c, ts)
	}
	for k, v := range rep.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", JSONContent)
	if rep.Status != 0 {
		w.WriteHeader(rep.Status)
	}
	_ = json.NewEncoder(w).Encode(rep.Body)
}

// Param is a call's argument, form-encoded or JSON.
func (c Call) Param(name string) string {
	if v := c.Form.Get(name); v != "" {
		return v
	}
	if v, ok := c.JSON[name]; ok {
		if s, ok := v.(string); ok {
			return s
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	return ""
}

// Token is the token the call was made with (slack-go sends it as a
// bearer header or a form field, depending on the method).
func (c Call) Token() string {
	if v, ok := strings.CutPrefix(c.Header.Get("Authorization"), "Bearer "); ok {
		return v
	}
	return c.Form.Get("token")
}

// defaultReply answers like Slack for the methods healthbot uses.
func (s *Slack) defaultReply(c Call, ts string) *Reply {
	ok := func(fields map[string]any) *Reply {
		body := map[string]any{"ok": true}
		for k, v := range fields {
			body[k] = v
		}
		return &Reply{Body: body}
	}
	switch c.Method {
	case "auth.test":
		return ok(map[string]any{"url": "https://acme-cs.slack.com/", "team": "Acme CS", "user": "healthbot", "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT"})
	case "chat.postMessage", "chat.update", "chat.delete":
		return ok(map[string]any{"channel": c.Param("channel"), "ts": ts, "message": map[string]any{"text": c.Param("text"), "ts": ts}})
	case "chat.startStream":
		return ok(map[string]any{"channel": c.Param("channel"), "ts": ts})
	case "chat.appendStream", "chat.stopStream": // the stream's own ts
		return ok(map[string]any{"channel": c.Param("channel"), "ts": c.Param("ts")})
	case "chat.postEphemeral":
		return ok(map[string]any{"message_ts": ts})
	case "conversations.open":
		return ok(map[string]any{"channel": map[string]any{"id": "D" + strings.TrimPrefix(c.Param("users"), "U")}})
	case "users.info":
		return ok(map[string]any{"user": map[string]any{"id": c.Param("user"), "team_id": "T1", "name": strings.ToLower(c.Param("user")), "tz": "UTC", "tz_offset": 0}})
	case "conversations.info": // an internal channel, in the fake's team
		return ok(map[string]any{"channel": map[string]any{"id": c.Param("channel"), "context_team_id": "T1"}})
	case "views.open", "views.publish", "views.update", "views.push":
		return ok(map[string]any{"view": map[string]any{"id": "V" + strings.ReplaceAll(ts, ".", "")}})
	case "apps.connections.open":
		return ok(map[string]any{"url": "ws" + strings.TrimPrefix(s.server.URL, "http") + "/socket"})
	default:
		return ok(nil)
	}
}

// Calls returns the calls of method so far ("" for all).
func (s *Slack) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked(method)
}

func (s *Slack) callsLocked(method string) []Call {
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// WaitCalls blocks until at least n calls of method have arrived and
// returns them all.
func (s *Slack) WaitCalls(t testing.TB, method string, n int) []Call {
	t.Helper()
	var got []Call
	waitUntil(t, fmt.Sprintf("%d %s call(s)", n, method), func() (bool, <-chan struct{}) {
		s.mu.Lock()
		defer s.mu.Unlock()
		got = s.callsLocked(method)
		return len(got) >= n, s.changed.ch
	})
	return got
}
