package bottest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/slack-go/slack"
)

// Post is one message posted to a response_url.
type Post struct {
	Path    string // which response_url (see Catcher.URL)
	Message slack.WebhookMessage
	Raw     []byte
}

// Catcher stands in for Slack's response_url endpoints: every POST is
// recorded and answered 200 (or what SetStatus says).
type Catcher struct {
	server  *httptest.Server
	mu      sync.Mutex
	status  int
	refuse  string
	posts   []Post
	changed broadcast
}

// SetStatus makes the following posts get status (0 means 200).
func (c *Catcher) SetStatus(status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status = status
}

// RefuseBlocksWith makes posts whose body contains substr fail as Slack
// answers a response_url message it cannot render: 400, "invalid_blocks".
func (c *Catcher) RefuseBlocksWith(substr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refuse = substr
}

// NewCatcher starts a Catcher, closed at the end of the test.
func NewCatcher(t testing.TB) *Catcher {
	c := &Catcher{changed: newBroadcast()}
	c.server = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.server.Close)
	return c
}

// URL is a response_url named name, so posts can be told apart.
func (c *Catcher) URL(name string) string { return c.server.URL + "/hooks/" + name }

func (c *Catcher) serve(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p := Post{Path: r.URL.Path, Raw: raw}
	if err := json.Unmarshal(raw, &p.Message); err != nil {
		http.Error(w, "bottest: response_url body is not a message: "+err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.posts = append(c.posts, p)
	c.changed.fire()
	status, refuse := c.status, c.refuse
	c.mu.Unlock()
	if refuse != "" && bytes.Contains(raw, []byte(refuse)) {
		http.Error(w, "invalid_blocks", http.StatusBadRequest)
		return
	}
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte("ok"))
}

// Posts returns what has been posted so far.
func (c *Catcher) Posts() []Post {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Post(nil), c.posts...)
}

// Wait blocks until at least n posts have arrived, and returns them all.
func (c *Catcher) Wait(t testing.TB, n int) []Post {
	t.Helper()
	var got []Post
	waitUntil(t, "response_url posts", func() (bool, <-chan struct{}) {
		c.mu.Lock()
		defer c.mu.Unlock()
		got = append([]Post(nil), c.posts...)
		return len(got) >= n, c.changed.ch
	})
	return got
}

// WaitFor blocks until the response_url named name has been posted to, and
// returns the first post there.
func (c *Catcher) WaitFor(t testing.TB, name string) Post {
	t.Helper()
	var got Post
	waitUntil(t, "a post to response_url "+name, func() (bool, <-chan struct{}) {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, p := range c.posts {
			if p.Path == "/hooks/"+name {
				got = p
				return true, nil
			}
		}
		return false, c.changed.ch
	})
	return got
}
