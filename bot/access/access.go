// Package access is the Gate: who may see account data, decided in one
// place (the rules are below). The router (package bot) asks it before any
// handler runs; handlers read the decision from the context (IsManager,
// NoteAccounts); jobs that post into channels ask it about the channel.
package access

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Who may see account data, decided in one place. The Router asks the Gate
// before any handler runs (slash commands, mentions, DMs, buttons, modals,
// App Home), and the jobs that post into channels (alerts, digest) ask it
// about the channel before posting. The rules:
//
//   - users of another workspace or organisation, Slack Connect users
//     ("strangers"), guests (single- and multi-channel), deactivated users
//     and bots are refused;
//   - with allowed groups set (HEALTHBOT_ALLOWED_GROUPS), only members of
//     those user groups (or of the managers' group) are allowed; without,
//     every full member of the installing workspace (or its Enterprise Grid
//     org) is;
//   - nothing carrying account data is posted where others can read it in a
//     channel shared with another organisation (Slack Connect).

// Surface is where a request came from, for the decision, refusals and
// the audit trail.
type Surface string

// The surfaces that show account data.
const (
	SurfaceCommand Surface = "command" // /health …
	SurfaceMention Surface = "mention" // @healthbot … in a channel: answered in the thread, for the channel to read
	SurfaceDM      Surface = "dm"      // a direct message to the bot
	SurfaceAction  Surface = "action"  // a button or menu on a message (Open card, Share in channel, …)
	SurfaceView    Surface = "view"    // a modal submitted or closed
	SurfaceEvent   Surface = "event"   // app_home_opened and other events shown to one user
	SurfaceAlert   Surface = "alert"   // a post to HEALTHBOT_ALERT_CHANNEL
	SurfaceDigest  Surface = "digest"  // a post to HEALTHBOT_DIGEST_CHANNEL
)

// Reason says why a request was refused ("" when it was allowed).
type Reason string

// Refusal reasons; they label healthbot_access_refusals_total.
const (
	ReasonExternal     Reason = "external"       // another workspace or organisation, or a Slack Connect user
	ReasonGuest        Reason = "guest"          // a single- or multi-channel guest
	ReasonInactive     Reason = "inactive"       // a deactivated account, a bot or an app
	ReasonNotInGroup   Reason = "not_in_group"   // not in HEALTHBOT_ALLOWED_GROUPS
	ReasonNotManager   Reason = "not_manager"    // a managers-only action by someone not in HEALTHBOT_MANAGERS
	ReasonSharedChan   Reason = "shared_channel" // the answer would be readable in an externally shared channel
	ReasonLookupFailed Reason = "lookup_failed"  // Slack could not tell us who it is; refused to be safe
)

// Texts the refused see: short, neutral, never naming an account nor
// hinting whether one exists.
const (
	RefusedText       = "Sorry, healthbot is only available to the customer success team."
	SharedChannelText = "I don't show account data in channels shared with other organisations. Ask me in a direct message or with /health instead."
	LookupFailedText  = "I couldn't check your access just now. Please try again in a minute."
	NotManagerText    = "Only managers can do that."
)

// Text is what a refusal for r tells the person refused.
func (r Reason) Text() string {
	switch r {
	case ReasonSharedChan:
		return SharedChannelText
	case ReasonLookupFailed:
		return LookupFailedText
	case ReasonNotManager:
		return NotManagerText
	}
	return RefusedText
}

// Caller is who is asking, from where, as the request says.
type Caller struct {
	UserID    string
	TeamID    string // the user's own team when Slack says (user_team), else the request's
	ChannelID string
	Surface   Surface
}

// Decision is the Gate's answer.
type Decision struct {
	Allowed bool
	Reason  Reason // why not, when !Allowed
	Manager bool   // in HEALTHBOT_MANAGERS; everyone allowed is, without it
	// SharedChannel: the request came from a channel shared with another
	// organisation (only looked up for mentions, whose answers are public).
	SharedChannel bool
}

// DirectoryUser is what the Gate needs to know about a Slack user
// (users.info).
type DirectoryUser struct {
	ID           string
	TeamID       string
	EnterpriseID string
	Deleted      bool
	Bot          bool // is_bot or is_app_user
	Restricted   bool // is_restricted: a multi-channel guest
	Ultra        bool // is_ultra_restricted: a single-channel guest
	Stranger     bool // is_stranger: a Slack Connect user we only see through a shared channel
	// The profile's status (out of office, #17): its text, emoji and
	// expiry (Unix seconds, 0 for none).
	StatusText       string
	StatusEmoji      string
	StatusExpiration int64
}

// DirectoryChannel is what the Gate needs to know about a conversation
// (conversations.info).
type DirectoryChannel struct {
	ID         string
	Shared     bool // is_shared
	ExtShared  bool // is_ext_shared
	OrgShared  bool // is_org_shared
	PendingExt bool // is_pending_ext_shared
}

// External reports whether people of another organisation can read the
// channel: Slack Connect (shared or being shared), or shared beyond an
// Enterprise Grid org. Sharing between workspaces of our own org is not.
func (c DirectoryChannel) External() bool {
	return c.ExtShared || c.PendingExt || (c.Shared && !c.OrgShared)
}

// Team is the installing workspace (auth.test).
type Team struct {
	ID           string
	EnterpriseID string // "" outside Enterprise Grid
}

// Directory is the part of Slack the Gate reads; SlackAccess adapts
// *slack.Client (access_slack.go), tests use a struct of funcs.
type Directory interface {
	Team(ctx context.Context) (Team, error)
	User(ctx context.Context, userID string) (DirectoryUser, error)
	Channel(ctx context.Context, channelID string) (DirectoryChannel, error)
	// GroupID resolves a user-group handle ("cs-team", without @) to its id.
	GroupID(ctx context.Context, handle string) (string, error)
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
}

// AuditEntry is one access decision, for the audit trail.
type AuditEntry struct {
	At         time.Time
	UserID     string
	TeamID     string
	ChannelID  string
	Surface    Surface
	Allowed    bool
	Reason     Reason
	AccountIDs []int64 // the accounts shown, when allowed
}

// AuditLog keeps AuditEntries; *store.Store implements it through
// StoreAudit (cmd wires it), tests record in memory.
type AuditLog interface {
	RecordAccess(ctx context.Context, e AuditEntry) error
}

// GateConfig configures NewGate.
type GateConfig struct {
	Directory Directory
	Audit     AuditLog // nil: decisions are not recorded
	// AllowedGroups are user-group handles or ids (HEALTHBOT_ALLOWED_GROUPS);
	// empty: every full member of the workspace.
	AllowedGroups []string
	// Managers is the managers' group, a handle or id (HEALTHBOT_MANAGERS).
	Managers string
	// ManagerIDs lists the managers by Slack user id instead
	// (HEALTHBOT_MANAGERS=U012,U034); it takes the place of Managers.
	ManagerIDs []string
	TTL        time.Duration    // how long lookups are cached; default DefaultAccessTTL
	Now        func() time.Time // clock for the caches and audit times; time.Now
	Logger     *slog.Logger
	// Registerer gets healthbot_access_refusals_total; nil: not registered.
	Registerer prometheus.Registerer
}

// DefaultAccessTTL bounds how long a guest promoted, a user removed from a
// group or a channel newly shared takes to count: lookups are cached this
// long.
const DefaultAccessTTL = 5 * time.Minute

// Gate is the one access decision. It is safe for concurrent use.
type Gate struct {
	dir      Directory
	audit    AuditLog
	groups   []string
	managers string
	// managerIDs: managers by user id, when HEALTHBOT_MANAGERS lists them.
	managerIDs []string
	ttl        time.Duration
	now        func() time.Time
	log        *slog.Logger
	refusals   *prometheus.CounterVec

	team     cached[Team]
	users    cache[DirectoryUser]
	channels cache[DirectoryChannel]
	groupIDs cache[string]
	members  cache[[]string]
}

// NewGate builds the Gate.
func NewGate(cfg GateConfig) *Gate {
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultAccessTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	g := &Gate{
		dir: cfg.Directory, audit: cfg.Audit, managers: strings.TrimPrefix(strings.TrimSpace(cfg.Managers), "@"),
		managerIDs: slices.Clone(cfg.ManagerIDs),
		ttl:        cfg.TTL, now: cfg.Now, log: cfg.Logger,
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthbot_access_refusals_total",
			Help: "Requests refused account data, by reason (external, guest, inactive, not_in_group, not_manager, shared_channel, lookup_failed).",
		}, []string{"reason"}),
	}
	for _, s := range cfg.AllowedGroups {
		if s = strings.TrimPrefix(strings.TrimSpace(s), "@"); s != "" {
			g.groups = append(g.groups, s)
		}
	}
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(g.refusals)
	}
	return g
}

// Decide says whether c may see account data. It never fails: what Slack
// cannot tell us is a refusal (ReasonLookupFailed), logged.
func (g *Gate) Decide(ctx context.Context, c Caller) Decision {
	d := g.decide(ctx, c)
	if !d.Allowed {
		g.refusals.WithLabelValues(string(d.Reason)).Inc()
	}
	return d
}

func (g *Gate) decide(ctx context.Context, c Caller) Decision {
	team, err := g.installTeam(ctx)
	if err != nil {
		return g.failed(ctx, "auth.test", c, err)
	}
	var d Decision
	if c.Surface == SurfaceMention && c.ChannelID != "" {
		ch, err := g.channel(ctx, c.ChannelID)
		if err != nil {
			return g.failed(ctx, "conversations.info", c, err)
		}
		d.SharedChannel = ch.External()
	}
	// The request's own team, when it is not ours, settles it without a
	// lookup (outside Enterprise Grid, where teams of one org differ).
	if c.TeamID != "" && c.TeamID != team.ID && team.EnterpriseID == "" {
		d.Reason = ReasonExternal
		return d
	}
	if c.UserID == "" {
		d.Reason = ReasonExternal
		return d
	}
	u, err := g.user(ctx, c.UserID)
	if err != nil {
		return g.failed(ctx, "users.info", c, err)
	}
	switch {
	case u.Stranger || !ourUser(u, team):
		d.Reason = ReasonExternal
	case u.Restricted || u.Ultra:
		d.Reason = ReasonGuest
	case u.Deleted || u.Bot:
		d.Reason = ReasonInactive
	}
	if d.Reason != "" {
		return d
	}
	manager := false // in the managers' group, when there is one
	switch {
	case len(g.managerIDs) > 0:
		manager = slices.Contains(g.managerIDs, c.UserID)
	case g.managers != "":
		in, err := g.inGroup(ctx, g.managers, c.UserID)
		if err != nil {
			return g.failed(ctx, "usergroups.users.list", c, err)
		}
		manager = in
	}
	if len(g.groups) > 0 && !manager {
		allowed := false
		for _, grp := range g.groups {
			in, err := g.inGroup(ctx, grp, c.UserID)
			if err != nil {
				return g.failed(ctx, "usergroups.users.list", c, err)
			}
			if in {
				allowed = true
				break
			}
		}
		if !allowed {
			d.Reason = ReasonNotInGroup
			return d
		}
	}
	if d.SharedChannel {
		d.Reason = ReasonSharedChan
		return d
	}
	d.Allowed = true
	d.Manager = manager || (g.managers == "" && len(g.managerIDs) == 0) // without HEALTHBOT_MANAGERS, no one is set apart
	return d
}

// ourUser: the user's team is the installing one, or of the same Grid org.
func ourUser(u DirectoryUser, team Team) bool {
	if u.TeamID != "" && u.TeamID == team.ID {
		return true
	}
	return team.EnterpriseID != "" && u.EnterpriseID == team.EnterpriseID
}

func (g *Gate) failed(ctx context.Context, call string, c Caller, err error) Decision {
	g.log.WarnContext(ctx, "access lookup failed; request refused", "call", call, "user", c.UserID, "channel", c.ChannelID, "surface", c.Surface, "err", err)
	return Decision{Reason: ReasonLookupFailed}
}

// ChannelGuard says whether account data may be posted for a whole
// channel to read, or sent to a user; *Gate is one. Alerts and the digest
// check their channel with it before every post, alerts their DMs and
// assignees too.
type ChannelGuard interface {
	CheckChannel(ctx context.Context, channelID string) error
	CheckUser(ctx context.Context, userID string) error
}

var _ ChannelGuard = (*Gate)(nil)

// ErrSharedChannel is CheckChannel's error for a channel shared with
// another organisation.
var ErrSharedChannel = errors.New("the channel is shared with another organisation (Slack Connect)")

// CheckChannel returns nil when account data may be posted for the whole
// channel to read, ErrSharedChannel (wrapped) when the channel is shared
// with another organisation, or the lookup's error. A refusal is counted.
func (g *Gate) CheckChannel(ctx context.Context, channelID string) error {
	ch, err := g.channel(ctx, channelID)
	if err != nil {
		g.refusals.WithLabelValues(string(ReasonLookupFailed)).Inc()
		return fmt.Errorf("conversations.info %s: %w", channelID, err)
	}
	if ch.External() {
		g.refusals.WithLabelValues(string(ReasonSharedChan)).Inc()
		return fmt.Errorf("%s: %w", channelID, ErrSharedChannel)
	}
	return nil
}

// RefusedError is CheckUser's error: the user may not see account data.
type RefusedError struct {
	UserID string
	Reason Reason
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s may not see account data (%s)", e.UserID, e.Reason)
}

// CheckUser returns nil when userID may be sent account data (an alert DM,
// an assignment), else a *RefusedError (counted).
func (g *Gate) CheckUser(ctx context.Context, userID string) error {
	d := g.Decide(ctx, Caller{UserID: userID, Surface: SurfaceAlert})
	if d.Allowed {
		return nil
	}
	return &RefusedError{UserID: userID, Reason: d.Reason}
}

// Record writes e to the audit log, if any; a failure is logged, never
// returned (the answer has gone out already, or was refused).
func (g *Gate) Record(ctx context.Context, e AuditEntry) {
	if g == nil || g.audit == nil {
		return
	}
	if e.At.IsZero() {
		e.At = g.now()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := g.audit.RecordAccess(ctx, e); err != nil {
		g.log.ErrorContext(ctx, "access audit row not written", "user", e.UserID, "surface", e.Surface, "allowed", e.Allowed, "reason", e.Reason, "err", err)
	}
}

func (g *Gate) installTeam(ctx context.Context) (Team, error) {
	return g.team.get(g.now(), 0, func() (Team, error) { return g.dir.Team(ctx) })
}

func (g *Gate) user(ctx context.Context, id string) (DirectoryUser, error) {
	return g.users.get(id, g.now(), g.ttl, func() (DirectoryUser, error) { return g.dir.User(ctx, id) })
}

func (g *Gate) channel(ctx context.Context, id string) (DirectoryChannel, error) {
	return g.channels.get(id, g.now(), g.ttl, func() (DirectoryChannel, error) { return g.dir.Channel(ctx, id) })
}

// inGroup reports whether user is in group (a handle or an id).
func (g *Gate) inGroup(ctx context.Context, group, user string) (bool, error) {
	id := group
	if !looksLikeGroupID(group) {
		var err error
		id, err = g.groupIDs.get(group, g.now(), g.ttl, func() (string, error) { return g.dir.GroupID(ctx, group) })
		if err != nil {
			return false, err
		}
	}
	members, err := g.members.get(id, g.now(), g.ttl, func() ([]string, error) { return g.dir.GroupMembers(ctx, id) })
	if err != nil {
		return false, err
	}
	return slices.Contains(members, user), nil
}

// looksLikeGroupID: Slack user-group ids are "S" and upper-case letters
// and digits; handles are lower-case.
func looksLikeGroupID(s string) bool {
	if len(s) < 2 || s[0] != 'S' {
		return false
	}
	for _, r := range s[1:] {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// cache is a map of lookups that expire after a TTL; only successes are
// kept, so a failed lookup is tried again on the next request.
type cache[V any] struct {
	mu sync.Mutex
	m  map[string]cachedAt[V]
}

type cachedAt[V any] struct {
	v  V
	at time.Time
}

func (c *cache[V]) get(key string, now time.Time, ttl time.Duration, load func() (V, error)) (V, error) {
	c.mu.Lock()
	if e, ok := c.m[key]; ok && now.Sub(e.at) < ttl {
		c.mu.Unlock()
		return e.v, nil
	}
	c.mu.Unlock()
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]cachedAt[V])
	}
	if len(c.m) >= maxCached { // bound the memory; entries reload on demand
		for k, e := range c.m {
			if now.Sub(e.at) >= ttl {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxCached {
			clear(c.m)
		}
	}
	c.m[key] = cachedAt[V]{v, now}
	return v, nil
}

// maxCached bounds each lookup cache.
const maxCached = 10000

// cached is one lookup kept for a TTL (0: for good once it succeeded).
type cached[V any] struct{ c cache[V] }

func (c *cached[V]) get(now time.Time, ttl time.Duration, load func() (V, error)) (V, error) {
	if ttl == 0 {
		ttl = 1<<63 - 1
	}
	return c.c.get("", now, ttl, load)
}

// accessKey carries the request's Decision and the accounts it showed.
type accessKey struct{}

// State is what an admitted request carries in its context: the Gate's
// Decision and the accounts its handler showed (NoteAccounts), which the
// router writes to the audit trail once the answer is out.
type State struct {
	d        Decision
	mu       sync.Mutex
	accounts []int64
}

// WithDecision returns ctx carrying d for the handler (IsManager,
// NoteAccounts) and the State the router reads back after it ran.
func WithDecision(ctx context.Context, d Decision) (context.Context, *State) {
	s := &State{d: d}
	return context.WithValue(ctx, accessKey{}, s), s
}

// IsManager reports whether the request's caller is in HEALTHBOT_MANAGERS.
// Without a Gate (tests, the console) everyone is.
func IsManager(ctx context.Context) bool {
	s, ok := ctx.Value(accessKey{}).(*State)
	return !ok || s.d.Manager
}

// NoteAccounts records that the request showed these accounts, for the
// audit trail; a no-op outside a gated request.
func NoteAccounts(ctx context.Context, ids ...int64) {
	s, ok := ctx.Value(accessKey{}).(*State)
	if !ok || len(ids) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if id > 0 && !slices.Contains(s.accounts, id) {
			s.accounts = append(s.accounts, id)
		}
	}
}

// Noted returns the accounts the request showed, in the order noted.
func (s *State) Noted() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.accounts)
}
