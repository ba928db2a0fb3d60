package ask_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// wireRequest is a chat-completions request as it arrives on the wire.
type wireRequest struct {
	Model      string        `json:"model"`
	Messages   []wireMessage `json:"messages"`
	Tools      []wireTool    `json:"tools"`
	ToolChoice any           `json:"tool_choice"`
}

type wireMessage struct {
	Role       string     `json:"role"`
	Content    string     `json:"content"`
	ToolCalls  []wireCall `json:"tool_calls"`
	ToolCallID string     `json:"tool_call_id"`
	Name       string     `json:"name"`
}

type wireTool struct {
	Type     string `json:"type"`
	Function struct {
		Name       string          `json:"name"`
		Strict     bool            `json:"strict"`
		Parameters json.RawMessage `json:"parameters"`
	} `json:"function"`
}

type wireCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// toolResults are the tool messages since the model's last reply.
func (r wireRequest) toolResults() []wireMessage {
	var out []wireMessage
	for i := len(r.Messages) - 1; i >= 0 && r.Messages[i].Role == "tool"; i-- {
		out = append([]wireMessage{r.Messages[i]}, out...)
	}
	return out
}

// step answers one request: it writes the HTTP response itself.
type step func(w http.ResponseWriter, r *http.Request, req wireRequest)

// fakeModel is an OpenAI-compatible server playing a script, one step per
// request; it records every request.
type fakeModel struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	script []step
	reqs   []wireRequest
	auth   []string
}

func newFakeModel(t *testing.T, script ...step) *fakeModel {
	f := &fakeModel{t: t, script: script}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeModel) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req wireRequest
	if err := json.Unmarshal(body, &req); err != nil {
		f.t.Errorf("fake model: request is not chat-completions JSON: %v\n%s", err, body)
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	n := len(f.reqs)
	f.reqs = append(f.reqs, req)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	var s step
	if n < len(f.script) {
		s = f.script[n]
	} else if len(f.script) > 0 {
		s = f.script[len(f.script)-1] // the last step repeats
	}
	f.mu.Unlock()
	if s == nil {
		f.t.Errorf("fake model: no step for request %d", n)
		http.Error(w, "no script", http.StatusInternalServerError)
		return
	}
	s(w, r, req)
}

func (f *fakeModel) requests() []wireRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]wireRequest(nil), f.reqs...)
}

// baseURL is what OPENAI_BASE_URL would be.
func (f *fakeModel) baseURL() string { return f.srv.URL + "/v1/" }

// call is one tool call a scripted reply makes.
type call struct {
	name string
	args string
}

// callTools replies with tool calls, in the wire format of the real API.
func callTools(calls ...call) step {
	return func(w http.ResponseWriter, r *http.Request, req wireRequest) {
		tcs := make([]map[string]any, len(calls))
		for i, c := range calls {
			tcs[i] = map[string]any{
				"id": fmt.Sprintf("call_%d_%d", len(req.Messages), i), "type": "function",
				"function": map[string]any{"name": c.name, "arguments": c.args},
			}
		}
		writeCompletion(w, map[string]any{"role": "assistant", "content": nil, "tool_calls": tcs}, "tool_calls")
	}
}

// answer replies with text built from the request (e.g. from tool results).
func answer(text func(req wireRequest) string) step {
	return func(w http.ResponseWriter, r *http.Request, req wireRequest) {
		writeCompletion(w, map[string]any{"role": "assistant", "content": text(req)}, "stop")
	}
}

func say(text string) step {
	return answer(func(wireRequest) string { return text })
}

// status replies with an HTTP error in OpenAI's error format.
func status(code int) step {
	return func(w http.ResponseWriter, r *http.Request, req wireRequest) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = fmt.Fprintf(w, `{"error":{"message":"scripted failure %d","type":"server_error","code":null}}`, code)
	}
}

// raw replies 200 with a body as given.
func raw(body string) step {
	return func(w http.ResponseWriter, r *http.Request, req wireRequest) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

// hang answers nothing until the client gives up.
func hang() step {
	return func(w http.ResponseWriter, r *http.Request, req wireRequest) { <-r.Context().Done() }
}

func writeCompletion(w http.ResponseWriter, message map[string]any, finish string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion", "created": 1767225600, "model": "test-model",
		"choices": []any{map[string]any{"index": 0, "message": message, "finish_reason": finish}},
		"usage":   map[string]any{"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
	})
}

// dataOf unwraps a tool result's JSON from its <data> envelope.
func dataOf(t *testing.T, content string) map[string]any {
	t.Helper()
	start, end := strings.Index(content, ">"), strings.LastIndex(content, "</data>")
	if !strings.HasPrefix(content, "<data tool=") || start < 0 || end < start {
		t.Fatalf("tool result is not wrapped as data: %s", content)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(content[start+1:end]), &m); err != nil {
		t.Fatalf("tool result is not JSON: %v\n%s", err, content)
	}
	return m
}
