package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/store"
)

// segmentJSON is the part of a Segment message healthbot reads. Unknown
// fields are fine: Segment's libraries add some (integrations, _metadata).
type segmentJSON struct {
	Type              string          `json:"type"`
	MessageID         string          `json:"messageId"`
	UserID            json.RawMessage `json:"userId"`
	AnonymousID       json.RawMessage `json:"anonymousId"`
	Event             string          `json:"event"`
	Name              string          `json:"name"`
	GroupID           json.RawMessage `json:"groupId"`
	Traits            json.RawMessage `json:"traits"`
	Properties        json.RawMessage `json:"properties"`
	Context           json.RawMessage `json:"context"`
	Timestamp         string          `json:"timestamp"`
	OriginalTimestamp string          `json:"originalTimestamp"`
}

// segmentEnvelope is a /v1/batch body. A body without "batch" but with a
// "type" is taken as a single event, as Segment's webhook destination sends.
type segmentEnvelope struct {
	Batch    []json.RawMessage `json:"batch"`
	Context  json.RawMessage   `json:"context"`
	Type     string            `json:"type"`
	WriteKey string            `json:"writeKey"`
}

// writeKeyOf returns the writeKey field of a Segment body, if any.
func writeKeyOf(body []byte) string {
	var env struct {
		WriteKey string `json:"writeKey"`
	}
	_ = json.Unmarshal(body, &env)
	return env.WriteKey
}

// SegmentParse is a parsed Segment request: what to store, how many calls
// were ignored (alias) and which events are invalid. The handler stores the
// batch only when Rejected is empty.
type SegmentParse struct {
	Batch    store.SegmentBatch
	Received int
	Ignored  int
	Rejected []ItemError
}

// ParseSegment reads a Segment request: kind is "batch" or the event type
// of a single-event endpoint (track, identify, group, page, screen). A
// bad body or an oversized event fails the whole request; bad events are
// listed in Rejected, each by index, field and problem.
func ParseSegment(body []byte, kind string, lim Limits, now time.Time) (SegmentParse, *healthbot.Error) {
	raws, batchCtx, aerr := segmentMessages(body, kind)
	if aerr != nil {
		return SegmentParse{}, aerr
	}
	out := SegmentParse{Received: len(raws)}
	var p problems
	ids := traitMerger{}
	links := traitMerger{}
	for i, raw := range raws {
		if int64(len(raw)) > lim.SegmentEvent {
			return SegmentParse{}, errTooLarge("event %d is %d bytes; Segment's limit is %d bytes an event", i, len(raw), lim.SegmentEvent)
		}
		ev, traits, ok := p.segmentEvent(i, raw, kind, batchCtx, now)
		switch {
		case !ok:
		case ev.Type == "alias":
			out.Ignored++
		default:
			out.Batch.Events = append(out.Batch.Events, ev)
			if ev.Type == "identify" && ev.UserID != "" {
				ids.add(ev.UserID, "", traits)
			}
			if ev.Type == "group" && ev.Actor() != "" {
				links.add(ev.Actor(), ev.GroupID, traits)
			}
		}
	}
	out.Rejected = p
	for _, m := range ids.merged() {
		out.Batch.Identities = append(out.Batch.Identities, store.UserTraits{UserID: m.user, Traits: m.traits})
	}
	for _, m := range links.merged() {
		out.Batch.Links = append(out.Batch.Links, store.GroupLink{UserID: m.user, GroupID: m.group, Traits: m.traits})
	}
	return out, nil
}

func segmentMessages(body []byte, kind string) ([]json.RawMessage, json.RawMessage, *healthbot.Error) {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, nil, errMalformed("the body must be a JSON object")
	}
	if kind != "batch" {
		if !json.Valid(body) {
			return nil, nil, errMalformed("the body is not valid JSON")
		}
		return []json.RawMessage{body}, nil, nil
	}
	var env segmentEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, nil, errMalformed("the body is not a Segment batch: %v", err)
	}
	if env.Batch == nil && env.Type != "" {
		return []json.RawMessage{body}, nil, nil
	}
	if len(env.Batch) == 0 {
		return nil, nil, errMalformed(`the body must be {"batch": [event, ...]} with at least one event`)
	}
	return env.Batch, env.Context, nil
}

var segmentTypes = map[string]bool{"track": true, "identify": true, "group": true, "page": true, "screen": true, "alias": true}

// segmentEvent validates one message; traits are its identify or group traits.
func (p *problems) segmentEvent(i int, raw json.RawMessage, kind string, batchCtx json.RawMessage, now time.Time) (store.SegmentEvent, []byte, bool) {
	before := len(*p)
	var j segmentJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		field, why, _ := decodeItem(raw, &j)
		p.add(i, field, "%s", why)
		return store.SegmentEvent{}, nil, false
	}
	typ := strings.ToLower(j.Type)
	if kind != "batch" {
		typ = kind
	}
	if !segmentTypes[typ] {
		p.add(i, "type", "must be track, identify, group, page, screen or alias (got %q)", j.Type)
	}
	ev := store.SegmentEvent{Type: typ, MessageID: j.MessageID, Name: j.Name}
	ev.UserID = p.segmentID(i, "userId", j.UserID)
	ev.AnonymousID = p.segmentID(i, "anonymousId", j.AnonymousID)
	if ev.UserID == "" && ev.AnonymousID == "" {
		p.add(i, "userId", "userId or anonymousId is required")
	}
	switch typ {
	case "track":
		ev.Name = j.Event
		p.text(i, "event", j.Event, true, valid.EventName)
	case "group":
		ev.GroupID = p.segmentID(i, "groupId", j.GroupID)
		if ev.GroupID == "" {
			p.add(i, "groupId", "is required for a group call")
		}
		p.text(i, "name", j.Name, false, valid.AccountName)
	default:
		p.text(i, "name", j.Name, false, valid.EventName)
	}
	if ev.GroupID == "" {
		ev.GroupID = p.contextGroupID(i, j.Context, batchCtx)
	}
	p.text(i, "messageId", j.MessageID, false, valid.Key)
	if ev.MessageID == "" {
		sum := sha256.Sum256(raw)
		ev.MessageID = "hb-" + hex.EncodeToString(sum[:16])
	}
	ev.OccurredAt = p.segmentTime(i, j, now)
	props, traits := p.object(i, "properties", j.Properties), p.object(i, "traits", j.Traits)
	ev.Properties = props
	if typ == "identify" || typ == "group" {
		ev.Properties = traits
	}
	return ev, traits, len(*p) == before
}

// segmentID reads an id that Segment allows as a string or a number.
func (p *problems) segmentID(i int, field string, raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			p.add(i, field, "must be a string or a number")
			return ""
		}
		s = n.String()
	}
	p.text(i, field, s, false, valid.ExternalID)
	return s
}

// contextGroupID is the group of context.groupId, the event's own context
// first, then the batch's; a groupId that is not a storable id is a problem
// of the event (field context.groupId), not silently ignored.
func (p *problems) contextGroupID(i int, ctxs ...json.RawMessage) string {
	for _, raw := range ctxs {
		var c struct {
			GroupID json.RawMessage `json:"groupId"`
		}
		if len(raw) == 0 || json.Unmarshal(raw, &c) != nil {
			continue
		}
		before := len(*p)
		if id := p.segmentID(i, "context.groupId", c.GroupID); id != "" && len(*p) == before {
			return id
		}
		if len(*p) > before {
			return ""
		}
	}
	return ""
}

// segmentTime is timestamp, else originalTimestamp, else when it arrived.
func (p *problems) segmentTime(i int, j segmentJSON, now time.Time) time.Time {
	field, v := "timestamp", j.Timestamp
	if v == "" {
		field, v = "originalTimestamp", j.OriginalTimestamp
	}
	if v == "" {
		return now
	}
	return p.timeField(i, field, v, false, now)
}

// object checks that raw is absent, null or a JSON object, and returns it
// re-encoded so Postgres can store it: invalid UTF-8 and lone surrogates
// become U+FFFD and NUL characters are dropped.
func (p *problems) object(i int, field string, raw json.RawMessage) []byte {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		p.add(i, field, "must be an object")
		return nil
	}
	clean := stripNUL(m).(map[string]any)
	if field == "traits" {
		if name, ok := clean["name"].(string); ok {
			if why := valid.Text(valid.AccountName, name); why != "" {
				p.add(i, "traits.name", "%s", why)
				return nil
			}
		}
		if why := valid.JSON(numbersAsFloats(clean)); why != "" {
			p.add(i, field, "%s", why)
			return nil
		}
	}
	b, err := json.Marshal(clean)
	if err != nil {
		p.add(i, field, "cannot be stored: %v", err)
		return nil
	}
	return b
}

// numbersAsFloats turns the json.Numbers of a decoded object into float64
// for valid.JSON (a number too large for float64 becomes ±Inf and is refused).
func numbersAsFloats(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	case []any:
		out := make([]any, len(x))
		for k := range x {
			out[k] = numbersAsFloats(x[k])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = numbersAsFloats(e)
		}
		return out
	}
	return v
}

func stripNUL(v any) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, "\x00", "")
	case []any:
		for k := range x {
			x[k] = stripNUL(x[k])
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[strings.ReplaceAll(k, "\x00", "")] = stripNUL(e)
		}
		return out
	}
	return v
}

// traitMerger merges the traits of repeated (user, group) pairs in a batch,
// later calls winning key by key, as separate requests would.
type traitMerger map[[2]string]*mergedTraits

type mergedTraits struct {
	user, group string
	traits      []byte
	order       int
}

func (t traitMerger) add(user, group string, traits []byte) {
	k := [2]string{user, group}
	if m, ok := t[k]; ok {
		m.traits = mergeJSON(m.traits, traits)
		return
	}
	t[k] = &mergedTraits{user: user, group: group, traits: traits, order: len(t)}
}

func (t traitMerger) merged() []*mergedTraits {
	out := make([]*mergedTraits, len(t))
	for _, m := range t {
		out[m.order] = m
	}
	return out
}

func mergeJSON(a, b []byte) []byte {
	var ma, mb map[string]json.RawMessage
	_ = json.Unmarshal(a, &ma)
	_ = json.Unmarshal(b, &mb)
	if ma == nil {
		ma = map[string]json.RawMessage{}
	}
	for k, v := range mb {
		ma[k] = v
	}
	out, _ := json.Marshal(ma)
	return out
}

// segment serves the Segment-compatible endpoints with the status codes
// Segment's libraries expect: 200 when stored, 400 (never retried) when an
// event is invalid, 5xx (retried) for our faults only. A batch is all or
// nothing, as the REST batches are: one invalid event rejects the batch with
// every bad event named, and nothing of it is stored, so a sender never has
// to work out which half of a batch arrived.
func (h *Handler) segment(kind string) func(context.Context, *call) (any, *healthbot.Error) {
	return func(ctx context.Context, c *call) (any, *healthbot.Error) {
		parsed, aerr := ParseSegment(c.body, kind, h.limits, h.now())
		if aerr != nil {
			return nil, aerr
		}
		c.items = parsed.Received
		if len(parsed.Rejected) > 0 {
			bad := sortItems(parsed.Rejected)
			return nil, h.batchFailed(c, kind, errInvalidItems(parsed.Received, bad), bad)
		}
		res, err := h.store.IngestSegment(ctx, parsed.Batch)
		if err != nil {
			return nil, errInternal(err)
		}
		if len(res.UnknownGroups) > 0 {
			c.log.Info("group calls name accounts that do not exist yet; they are linked once the accounts exist",
				"group_ids", res.UnknownGroups)
		}
		n := len(parsed.Batch.Events)
		h.metrics.accepted(kind, reasonStored, int(res.Stored))
		h.metrics.accepted(kind, reasonDuplicate, n-int(res.Stored))
		h.metrics.accepted(kind, "ignored", parsed.Ignored)
		return map[string]any{"success": true, "stored": res.Stored, "duplicates": int64(n) - res.Stored}, nil
	}
}
