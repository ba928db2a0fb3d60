package ask

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/prompts"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// tool is one read-only tool, all it is in one place: its name, the
// description and JSON schema of its arguments that the chat model and MCP
// clients get (prompts/tools/<name>.json), and how a call's arguments
// become one bounded read. prepare validates the arguments (strictly, with
// the limits below) and returns the read, which runs in a read-only
// transaction. The model's tool list, the names and the dispatch are all
// derived from the Asker's table of these, which the MCP server lists too.
type tool struct {
	name        string
	description string
	parameters  json.RawMessage
	prepare     prepareFunc
}

type prepareFunc = func(ctx context.Context, s *session, args string) (read, error)

// toolRuns is how each tool runs, sorted by name; loadTools joins it with
// the prompts' descriptions and schemas.
var toolRuns = []struct {
	name    string
	prepare prepareFunc
}{
	{"backtest_summary", prepareBacktest},
	{"get_account", prepareGetAccount},
	{"list_alerts", prepareListAlerts},
	{"list_pulses", prepareListPulses},
	{"metrics", prepareMetrics},
	{"portfolio_summary", preparePortfolio},
	{"score_history", prepareScoreHistory},
	{"search_accounts", prepareSearch},
}

// loadTools builds the tool table: every tool the prompts describe, with
// its run. A tool described but not run, or run but not described, is a
// build mistake caught when the Asker is made.
func loadTools() ([]tool, error) {
	defs, err := prompts.Tools()
	if err != nil {
		return nil, err
	}
	described := make([]string, len(defs))
	for i, d := range defs {
		described[i] = d.Name
	}
	run := make([]string, len(toolRuns))
	for i, r := range toolRuns {
		run[i] = r.name
	}
	if !slices.Equal(described, run) {
		return nil, fmt.Errorf("ask: prompts define tools %v, ask implements %v", described, run)
	}
	out := make([]tool, len(defs))
	for i, d := range defs {
		out[i] = tool{name: d.Name, description: d.Description, parameters: d.Parameters, prepare: toolRuns[i].prepare}
	}
	return out, nil
}

// toolNames is the table's names, in order.
func toolNames(table []tool) []string {
	out := make([]string, len(table))
	for i, t := range table {
		out[i] = t.name
	}
	return out
}

func lookupTool(table []tool, name string) (tool, bool) {
	i := slices.IndexFunc(table, func(t tool) bool { return t.name == name })
	if i < 0 {
		return tool{}, false
	}
	return table[i], true
}

// maxArgBytes bounds the arguments of one tool call.
const maxArgBytes = 4096

// toolDefinitions are the tools as the chat model gets them.
func toolDefinitions(table []tool) []openai.Tool {
	out := make([]openai.Tool, 0, len(table))
	for _, t := range table {
		out = append(out, openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: t.name, Description: t.description, Strict: true, Parameters: t.parameters,
		}})
	}
	return out
}

// A mistake in a tool call is a *healthbot.Error with a code other than
// EINTERNAL: its message goes back to the caller (the model, or an MCP
// client) so it can correct itself, never to the user. Any other error is
// ours: logged, and the caller gets a generic line.

// toolErrorf is a tool call the caller got wrong (EINVALID).
func toolErrorf(format string, args ...any) error {
	return healthbot.Errorf(healthbot.EINVALID, format, args...)
}

// toolMistake is what the caller of a tool may read of err, if anything.
func toolMistake(err error) (string, bool) {
	if healthbot.Internal(err) {
		return "", false
	}
	return healthbot.ErrorMessage(err), true
}

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
	if _, ok := lookupTool(s.a.table, name); ok {
		if !slices.Contains(s.calls, name) {
			s.calls = append(s.calls, name)
		}
		if s.onTool != nil {
			s.onTool(name)
		}
	}
	var result any
	err := s.dispatch(ctx, name, args, &result)
	msg, mistake := toolMistake(err)
	switch {
	case err == nil:
	case mistake:
		result = map[string]string{"error": msg}
	default:
		s.a.log.Error("question tool failed", "tool", name, "err", err)
		result = map[string]string{"error": "the database could not answer this call; try again or answer with what you have"}
	}
	b, merr := json.Marshal(result)
	if merr != nil {
		b = []byte(`{"error":"result could not be encoded"}`)
	}
	return wrapData(s.a.table, name, truncate(string(b), s.a.cfg.ResultChars))
}

func (s *session) dispatch(ctx context.Context, name, args string, result *any) error {
	if len(args) > maxArgBytes {
		return healthbot.Errorf(healthbot.ETOOLARGE, "arguments too long (%d bytes; at most %d)", len(args), maxArgBytes)
	}
	spec, ok := lookupTool(s.a.table, name)
	if !ok {
		return healthbot.Errorf(healthbot.ENOTFOUND, "there is no tool %q; the tools are %s", clip(name, 64), strings.Join(toolNames(s.a.table), ", "))
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
// fields only (the first unknown one named), right types.
func decodeArgs(raw string, dst any) error {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == "null" {
		raw = "{}"
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		return toolErrorf("invalid arguments: %s", jsonProblem(err))
	}
	if dec.More() {
		return toolErrorf("invalid arguments: expected one JSON object")
	}
	if name, ok := unknownArg(raw, dst); ok {
		return toolErrorf("invalid arguments: unknown argument %q", name)
	}
	if err := json.Unmarshal([]byte(raw), dst); err != nil {
		return toolErrorf("invalid arguments: %s", jsonProblem(err))
	}
	return nil
}

// unknownArg returns the first key of the JSON object obj (already known to
// be one) that names no field of the struct dst points to, matching as
// encoding/json does (case-insensitively). Checked here rather than with
// DisallowUnknownFields, whose error carries the name only in its text.
func unknownArg(obj string, dst any) (string, bool) {
	t := reflect.TypeOf(dst).Elem()
	known := make([]string, 0, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		known = append(known, cmp.Or(name, f.Name))
	}
	dec := json.NewDecoder(strings.NewReader(obj))
	if _, err := dec.Token(); err != nil { // {
		return "", false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		key, _ := tok.(string)
		if !slices.ContainsFunc(known, func(k string) bool { return strings.EqualFold(k, key) }) {
			return key, true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", false
		}
	}
	return "", false
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
		return 0, healthbot.Errorf(healthbot.ENOTFOUND, "no account matches %q; search_accounts lists accounts", name)
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
	return 0, healthbot.Errorf(healthbot.ECONFLICT, "%q matches several accounts: %s; call again with one exact name or id", name, strings.Join(names, "; "))
}

// wrapData marks a tool result as data. The JSON inside cannot close the
// tag (encoding/json escapes < and >), and a made-up tool name is not
// echoed into it.
func wrapData(table []tool, name, jsonText string) string {
	if _, ok := lookupTool(table, name); !ok {
		name = "unknown"
	}
	return fmt.Sprintf("<data tool=%q>%s</data>", name, jsonText)
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
