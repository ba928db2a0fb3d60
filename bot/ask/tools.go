package ask

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/healthbot/healthbot/prompts"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// toolSpec is one read-only tool: its name (prompts/tools/<name>.json
// holds its description and JSON schema) and how a call's arguments become
// one bounded read. prepare validates the arguments (strictly, with the
// limits below) and returns the read, which runs in a read-only
// transaction. The question loop and the MCP server both go through this
// table: one definition per tool.
type toolSpec struct {
	name    string
	prepare func(ctx context.Context, s *session, args string) (func(ro *store.Store) (any, error), error)
}

// toolTable is every tool, sorted by name.
var toolTable = []toolSpec{
	{"backtest_summary", prepareBacktest},
	{"get_account", prepareGetAccount},
	{"list_alerts", prepareListAlerts},
	{"list_pulses", prepareListPulses},
	{"metrics", prepareMetrics},
	{"portfolio_summary", preparePortfolio},
	{"score_history", prepareScoreHistory},
	{"search_accounts", prepareSearch},
}

// toolNames is the table's names, in order.
var toolNames = func() []string {
	out := make([]string, len(toolTable))
	for i, t := range toolTable {
		out[i] = t.name
	}
	return out
}()

func lookupTool(name string) (toolSpec, bool) {
	i := slices.IndexFunc(toolTable, func(t toolSpec) bool { return t.name == name })
	if i < 0 {
		return toolSpec{}, false
	}
	return toolTable[i], true
}

// maxArgBytes bounds the arguments of one tool call.
const maxArgBytes = 4096

// toolDefinitions are the tools as the chat model gets them.
func toolDefinitions(defs []prompts.Tool) []openai.Tool {
	out := make([]openai.Tool, 0, len(defs))
	for _, d := range defs {
		out = append(out, openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: d.Name, Description: d.Description, Strict: true, Parameters: d.Parameters,
		}})
	}
	return out
}

// ToolError is a mistake in a tool call, reported to the model (never to
// the user) so it can correct itself.
type ToolError struct{ msg string }

func (e *ToolError) Error() string { return e.msg }

func toolErrorf(format string, args ...any) error { return &ToolError{fmt.Sprintf(format, args...)} }

// session is one question's tool state: who asks, and which accounts the
// tools showed the model, so the answer can cite them.
type session struct {
	a      *Asker
	asker  string
	seen   map[string]citation // by lower-cased name
	calls  []string            // tools called, distinct, in order
	onTool func(tool string)
}

// citation is an account the tools showed, with the numbers they showed.
type citation struct {
	ID     int64
	Name   string
	Score  float64
	Band   scoring.Band
	Scored bool
}

func (a *Asker) newSession(asker string) *session {
	return &session{a: a, asker: asker, seen: map[string]citation{}}
}

// saw records an account a tool returned; a scored sighting wins.
func (s *session) saw(id int64, name string, score float64, band scoring.Band) {
	scored := band != "" && band != scoring.BandNone
	key := strings.ToLower(name)
	if old, ok := s.seen[key]; ok && old.Scored && !scored {
		return
	}
	s.seen[key] = citation{ID: id, Name: name, Score: score, Band: band, Scored: scored}
}

// sawName records an account seen without a score.
func (s *session) sawName(id int64, name string) {
	if _, ok := s.seen[strings.ToLower(name)]; !ok {
		s.seen[strings.ToLower(name)] = citation{ID: id, Name: name}
	}
}

// call runs one tool call and returns its result as wrapped data. Nothing
// the model sends can reach anything but the fixed tools, and each runs in
// a read-only transaction.
func (s *session) call(ctx context.Context, name, args string) string {
	if _, ok := lookupTool(name); ok {
		if !slices.Contains(s.calls, name) {
			s.calls = append(s.calls, name)
		}
		if s.onTool != nil {
			s.onTool(name)
		}
	}
	var result any
	err := s.dispatch(ctx, name, args, &result)
	var te *ToolError
	switch {
	case err == nil:
	case errors.As(err, &te):
		result = map[string]string{"error": te.msg}
	default:
		s.a.log.Error("question tool failed", "tool", name, "err", err)
		result = map[string]string{"error": "the database could not answer this call; try again or answer with what you have"}
	}
	b, merr := json.Marshal(result)
	if merr != nil {
		b = []byte(`{"error":"result could not be encoded"}`)
	}
	return wrapData(name, truncate(string(b), s.a.cfg.ResultChars))
}

func (s *session) dispatch(ctx context.Context, name, args string, result *any) error {
	if len(args) > maxArgBytes {
		return toolErrorf("arguments too long (%d bytes; at most %d)", len(args), maxArgBytes)
	}
	spec, ok := lookupTool(name)
	if !ok {
		return toolErrorf("there is no tool %q; the tools are %s", clip(name, 64), strings.Join(toolNames, ", "))
	}
	run, err := spec.prepare(ctx, s, args)
	if err != nil {
		return err
	}
	return s.a.store.ReadOnly(ctx, func(ro *store.Store) error {
		out, err := run(ro)
		*result = out
		return err
	})
}

type read = func(ro *store.Store) (any, error)

func prepareSearch(ctx context.Context, s *session, args string) (read, error) {
	var in searchArgs
	if err := decodeArgs(args, &in); err != nil {
		return nil, err
	}
	f, err := in.filter(s)
	if err != nil {
		return nil, err
	}
	return func(ro *store.Store) (any, error) { return s.searchAccounts(ctx, ro, f) }, nil
}

func prepareGetAccount(ctx context.Context, s *session, args string) (read, error) {
	var in accountArgs
	if err := decodeArgs(args, &in); err != nil {
		return nil, err
	}
	name, err := requiredText("account", in.Account)
	if err != nil {
		return nil, err
	}
	return func(ro *store.Store) (any, error) { return s.getAccount(ctx, ro, name) }, nil
}

func prepareScoreHistory(ctx context.Context, s *session, args string) (read, error) {
	var in historyArgs
	if err := decodeArgs(args, &in); err != nil {
		return nil, err
	}
	name, err := requiredText("account", in.Account)
	if err != nil {
		return nil, err
	}
	days, err := intIn("days", in.Days, 90, 1, 365)
	if err != nil {
		return nil, err
	}
	return func(ro *store.Store) (any, error) { return s.scoreHistory(ctx, ro, name, days) }, nil
}

func prepareListAlerts(ctx context.Context, s *session, args string) (read, error) {
	var in alertArgs
	if err := decodeArgs(args, &in); err != nil {
		return nil, err
	}
	account, err := optionalText("account", in.Account)
	if err != nil {
		return nil, err
	}
	state, err := oneOf("state", in.State, "open", "open", "unresolved", "all")
	if err != nil {
		return nil, err
	}
	limit, err := intIn("limit", in.Limit, 10, 1, store.AskMaxRows)
	if err != nil {
		return nil, err
	}
	return func(ro *store.Store) (any, error) { return s.listAlerts(ctx, ro, account, state, limit) }, nil
}

func prepareListPulses(ctx context.Context, s *session, args string) (read, error) {
	var in pulseArgs
	if err := decodeArgs(args, &in); err != nil {
		return nil, err
	}
	name, err := requiredText("account", in.Account)
	if err != nil {
		return nil, err
	}
	limit, err := intIn("limit", in.Limit, 8, 1, store.AskMaxRows)
	if err != nil {
		return nil, err
	}
	return func(ro *store.Store) (any, error) { return s.listPulses(ctx, ro, name, limit) }, nil
}

func preparePortfolio(ctx context.Context, s *session, args string) (read, error) {
	var in portfolioArgs
	if err := decodeArgs(args, &in); err != nil {
		return nil, err
	}
	groupBy, err := oneOf("group_by", in.GroupBy, "segment", "segment", "owner", "none")
	if err != nil {
		return nil, err
	}
	segment, err := optionalText("segment", in.Segment)
	if err != nil {
		return nil, err
	}
	return func(ro *store.Store) (any, error) { return s.portfolio(ctx, ro, groupBy, segment) }, nil
}

func prepareBacktest(ctx context.Context, s *session, args string) (read, error) {
	var in struct{}
	if err := decodeArgs(args, &in); err != nil {
		return nil, err
	}
	return func(ro *store.Store) (any, error) { return s.backtestSummary(ctx, ro) }, nil
}

func prepareMetrics(_ context.Context, s *session, args string) (read, error) {
	var in struct{}
	if err := decodeArgs(args, &in); err != nil {
		return nil, err
	}
	return func(*store.Store) (any, error) { return s.metrics(), nil }, nil
}

// decodeArgs reads a tool call's JSON arguments strictly: one object, known
// fields only, right types.
func decodeArgs(raw string, dst any) error {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == "null" {
		raw = "{}"
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return toolErrorf("invalid arguments: %s", jsonProblem(err))
	}
	if dec.More() {
		return toolErrorf("invalid arguments: expected one JSON object")
	}
	return nil
}

// jsonProblem words a decoding error for the model without Go type names.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return "expected a JSON object"
		}
		return fmt.Sprintf("%s has the wrong type (got a JSON %s)", typeErr.Field, typeErr.Value)
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("not valid JSON (at byte %d)", syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown argument " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "not valid JSON"
}

const maxTextArg = 100

func optionalText(name string, p *string) (string, error) {
	if p == nil {
		return "", nil
	}
	v := strings.TrimSpace(*p)
	if utf8.RuneCountInString(v) > maxTextArg {
		return "", toolErrorf("%s is too long (at most %d characters)", name, maxTextArg)
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", toolErrorf("%s contains control characters", name)
	}
	return v, nil
}

func requiredText(name string, p *string) (string, error) {
	v, err := optionalText(name, p)
	if err == nil && v == "" {
		err = toolErrorf("%s is required", name)
	}
	return v, err
}

func intIn(name string, p *int, def, lo, hi int) (int, error) {
	if p == nil {
		return def, nil
	}
	if *p < lo || *p > hi {
		return 0, toolErrorf("%s must be between %d and %d, not %d", name, lo, hi, *p)
	}
	return *p, nil
}

func oneOf(name string, p *string, def string, allowed ...string) (string, error) {
	if p == nil || *p == "" {
		return def, nil
	}
	if !slices.Contains(allowed, *p) {
		return "", toolErrorf("%s must be one of %s, not %q", name, strings.Join(allowed, ", "), clip(*p, 40))
	}
	return *p, nil
}

// resolve finds the one account a name means, or tells the model what the
// candidates are.
func resolve(ctx context.Context, ro *store.Store, name string) (int64, error) {
	ms, err := findAccounts(ctx, ro, name, 11)
	if err != nil {
		return 0, err
	}
	if len(ms) == 0 {
		return 0, toolErrorf("no account matches %q; search_accounts lists accounts", name)
	}
	var exact []store.AskMatch
	for _, m := range ms {
		if m.Exact {
			exact = append(exact, m)
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0].ID, nil
	case len(exact) == 0 && len(ms) == 1:
		return ms[0].ID, nil
	case len(exact) > 1:
		ms = exact
	}
	names := make([]string, 0, len(ms))
	for i, m := range ms {
		if i == 10 {
			names = append(names, "…")
			break
		}
		names = append(names, fmt.Sprintf("%s (id %s)", m.Name, m.ExternalID))
	}
	return 0, toolErrorf("%q matches several accounts: %s; call again with one exact name or id", name, strings.Join(names, "; "))
}

// wrapData marks a tool result as data. The JSON inside cannot close the
// tag (encoding/json escapes < and >), and a made-up tool name is not
// echoed into it.
func wrapData(tool, jsonText string) string {
	if !slices.Contains(toolNames, tool) {
		tool = "unknown"
	}
	return fmt.Sprintf("<data tool=%q>%s</data>", tool, jsonText)
}

// truncate caps a tool result at n bytes (on a rune boundary), saying so.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf(" …[truncated: the result had %d characters, only the first %d are shown; ask for fewer rows]", len(s), cut)
}

// clip shortens user-typed text to n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
