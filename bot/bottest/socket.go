package bottest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
)

// socketServer is the fake's Socket Mode endpoint: apps.connections.open
// points clients here, each connection gets a hello, and what they send
// back (acks) is recorded.
type socketServer struct {
	upgrader websocket.Upgrader
	mu       sync.Mutex
	conns    []*SocketConn
	changed  broadcast
}

func newSocketServer() *socketServer {
	return &socketServer{
		// socketmode dials with Origin: https://api.slack.com, as to Slack.
		upgrader: websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }},
		changed:  newBroadcast(),
	}
}

// SocketConn is one Socket Mode connection from the bot under test.
type SocketConn struct {
	ws      *websocket.Conn
	writeMu sync.Mutex

	mu      sync.Mutex
	next    int
	acks    map[string]json.RawMessage
	changed broadcast
}

func (s *socketServer) serve(w http.ResponseWriter, r *http.Request) {
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &SocketConn{ws: ws, acks: map[string]json.RawMessage{}, changed: newBroadcast()}
	if err := c.write(map[string]any{"type": "hello", "num_connections": 1, "connection_info": map[string]any{"app_id": "A1"}, "debug_info": map[string]any{"host": "bottest"}}); err != nil {
		_ = ws.Close()
		return
	}
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.changed.fire()
	s.mu.Unlock()
	c.readAcks()
}

func (s *socketServer) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.ws.Close()
	}
}

// readAcks records every {"envelope_id": …, "payload": …} the client sends
// until the connection closes.
func (c *SocketConn) readAcks() {
	for {
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := c.ws.ReadJSON(&ack); err != nil {
			return
		}
		c.mu.Lock()
		c.acks[ack.EnvelopeID] = ack.Payload
		c.changed.fire()
		c.mu.Unlock()
	}
}

func (c *SocketConn) write(v any) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.ws.WriteJSON(v)
}

// Socket waits for the bot to open a Socket Mode connection and returns it.
func (s *Slack) Socket(t testing.TB) *SocketConn {
	t.Helper()
	var c *SocketConn
	waitUntil(t, "a Socket Mode connection", func() (bool, <-chan struct{}) {
		s.socket.mu.Lock()
		defer s.socket.mu.Unlock()
		if len(s.socket.conns) > 0 {
			c = s.socket.conns[0]
			return true, nil
		}
		return false, s.socket.changed.ch
	})
	return c
}

// Send pushes an envelope of type typ ("slash_commands", "interactive",
// "events_api") carrying payload, and returns its envelope_id.
func (c *SocketConn) Send(t testing.TB, typ string, payload any) string {
	t.Helper()
	c.mu.Lock()
	c.next++
	id := fmt.Sprintf("env-%d", c.next)
	c.mu.Unlock()
	err := c.write(map[string]any{"envelope_id": id, "type": typ, "payload": payload, "accepts_response_payload": typ != "events_api"})
	if err != nil {
		t.Fatalf("bottest: socket send: %v", err)
	}
	return id
}

// WaitAck blocks until the envelope id is acknowledged and returns the
// ack's payload (empty when there was none).
func (c *SocketConn) WaitAck(t testing.TB, id string) json.RawMessage {
	t.Helper()
	var got json.RawMessage
	waitUntil(t, "the ack of "+id, func() (bool, <-chan struct{}) {
		c.mu.Lock()
		defer c.mu.Unlock()
		p, ok := c.acks[id]
		got = p
		return ok, c.changed.ch
	})
	return got
}
