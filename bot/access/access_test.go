package access

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// fakeDirectory is a Directory of function fields; nil ones answer from
// the maps, counting calls.
type fakeDirectory struct {
	team     Team
	users    map[string]DirectoryUser
	channels map[string]DirectoryChannel
	groups   map[string]string   // handle → id
	members  map[string][]string // id → users
	fail     error

	mu    sync.Mutex
	calls map[string]int
}

func (f *fakeDirectory) count(what string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[what]++
	return f.fail
}

func (f *fakeDirectory) Team(context.Context) (Team, error) { return f.team, f.count("team") }
func (f *fakeDirectory) User(_ context.Context, id string) (DirectoryUser, error) {
	if err := f.count("user"); err != nil {
		return DirectoryUser{}, err
	}
	u, ok := f.users[id]
	if !ok {
		return DirectoryUser{}, errors.New("user_not_found")
	}
	return u, nil
}
func (f *fakeDirectory) Channel(_ context.Context, id string) (DirectoryChannel, error) {
	return f.channels[id], f.count("channel")
}
func (f *fakeDirectory) GroupID(_ context.Context, h string) (string, error) {
	if err := f.count("groupid"); err != nil {
		return "", err
	}
	id, ok := f.groups[h]
	if !ok {
		return "", errors.New("no such group")
	}
	return id, nil
}
func (f *fakeDirectory) GroupMembers(_ context.Context, id string) ([]string, error) {
	return f.members[id], f.count("members")
}

func (f *fakeDirectory) n(what string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[what]
}

func newFakeDirectory() *fakeDirectory {
	return &fakeDirectory{
		team: Team{ID: "T1"},
		users: map[string]DirectoryUser{
			"UMEMBER":  {ID: "UMEMBER", TeamID: "T1"},
			"UCS":      {ID: "UCS", TeamID: "T1"},
			"UBOSS":    {ID: "UBOSS", TeamID: "T1"},
			"UGUEST":   {ID: "UGUEST", TeamID: "T1", Restricted: true},
			"USINGLE":  {ID: "USINGLE", TeamID: "T1", Ultra: true},
			"UEXT":     {ID: "UEXT", TeamID: "T9", Stranger: true},
			"UOTHER":   {ID: "UOTHER", TeamID: "T2"},
			"UGONE":    {ID: "UGONE", TeamID: "T1", Deleted: true},
			"UGRIDMEM": {ID: "UGRIDMEM", TeamID: "T3", EnterpriseID: "E1"},
		},
		channels: map[string]DirectoryChannel{
			"CINT":    {ID: "CINT"},
			"CCONN":   {ID: "CCONN", Shared: true, ExtShared: true},
			"CPEND":   {ID: "CPEND", PendingExt: true},
			"CORG":    {ID: "CORG", Shared: true, OrgShared: true},
			"COLDEXT": {ID: "COLDEXT", Shared: true},
		},
		groups:  map[string]string{"cs-team": "S1", "cs-managers": "S2"},
		members: map[string][]string{"S1": {"UCS"}, "S2": {"UBOSS"}},
	}
}

func TestGateDecides(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		cfg      GateConfig
		team     Team
		c        Caller
		allowed  bool
		reason   Reason
		manager  bool
		sharedCh bool
	}{
		{name: "member", c: Caller{UserID: "UMEMBER", TeamID: "T1", Surface: SurfaceCommand}, allowed: true, manager: true},
		{name: "guest", c: Caller{UserID: "UGUEST", TeamID: "T1", Surface: SurfaceCommand}, reason: ReasonGuest},
		{name: "single-channel guest", c: Caller{UserID: "USINGLE", Surface: SurfaceDM}, reason: ReasonGuest},
		{name: "request from another team", c: Caller{UserID: "UMEMBER", TeamID: "T9", Surface: SurfaceCommand}, reason: ReasonExternal},
		{name: "slack connect stranger", c: Caller{UserID: "UEXT", Surface: SurfaceAction}, reason: ReasonExternal},
		{name: "user of another workspace", c: Caller{UserID: "UOTHER", Surface: SurfaceCommand}, reason: ReasonExternal},
		{name: "deactivated", c: Caller{UserID: "UGONE", Surface: SurfaceCommand}, reason: ReasonInactive},
		{name: "no user", c: Caller{Surface: SurfaceCommand}, reason: ReasonExternal},
		{name: "unknown user fails closed", c: Caller{UserID: "UNOPE", Surface: SurfaceCommand}, reason: ReasonLookupFailed},
		{name: "grid: same org, other workspace", team: Team{ID: "T1", EnterpriseID: "E1"},
			c: Caller{UserID: "UGRIDMEM", TeamID: "T3", Surface: SurfaceCommand}, allowed: true, manager: true},
		{name: "grid: other org", team: Team{ID: "T1", EnterpriseID: "E1"},
			c: Caller{UserID: "UOTHER", TeamID: "T2", Surface: SurfaceCommand}, reason: ReasonExternal},
		{name: "member mentions in a connect channel", c: Caller{UserID: "UMEMBER", ChannelID: "CCONN", Surface: SurfaceMention},
			reason: ReasonSharedChan, sharedCh: true},
		{name: "outsider mentions in a connect channel", c: Caller{UserID: "UEXT", TeamID: "T9", ChannelID: "CCONN", Surface: SurfaceMention},
			reason: ReasonExternal, sharedCh: true},
		{name: "member mentions in an org-shared channel", c: Caller{UserID: "UMEMBER", ChannelID: "CORG", Surface: SurfaceMention},
			allowed: true, manager: true},
		{name: "allowed groups: in", cfg: GateConfig{AllowedGroups: []string{"@cs-team"}},
			c: Caller{UserID: "UCS", Surface: SurfaceCommand}, allowed: true, manager: true},
		{name: "allowed groups: out", cfg: GateConfig{AllowedGroups: []string{"cs-team"}},
			c: Caller{UserID: "UMEMBER", Surface: SurfaceCommand}, reason: ReasonNotInGroup},
		{name: "allowed groups by id", cfg: GateConfig{AllowedGroups: []string{"S1"}},
			c: Caller{UserID: "UCS", Surface: SurfaceCommand}, allowed: true, manager: true},
		{name: "allowed groups: guest stays out", cfg: GateConfig{AllowedGroups: []string{"cs-team"}},
			c: Caller{UserID: "UGUEST", Surface: SurfaceCommand}, reason: ReasonGuest},
		{name: "managers: a manager outside the allowed groups", cfg: GateConfig{AllowedGroups: []string{"cs-team"}, Managers: "cs-managers"},
			c: Caller{UserID: "UBOSS", Surface: SurfaceCommand}, allowed: true, manager: true},
		{name: "managers: a CSM is no manager", cfg: GateConfig{AllowedGroups: []string{"cs-team"}, Managers: "cs-managers"},
			c: Caller{UserID: "UCS", Surface: SurfaceCommand}, allowed: true},
		{name: "managers by user id: listed", cfg: GateConfig{ManagerIDs: []string{"UBOSS", "UOTHER"}},
			c: Caller{UserID: "UBOSS", Surface: SurfaceCommand}, allowed: true, manager: true},
		{name: "managers by user id: not listed", cfg: GateConfig{ManagerIDs: []string{"UBOSS"}},
			c: Caller{UserID: "UCS", Surface: SurfaceCommand}, allowed: true},
		{name: "managers by user id: allowed outside the groups", cfg: GateConfig{AllowedGroups: []string{"cs-team"}, ManagerIDs: []string{"UBOSS"}},
			c: Caller{UserID: "UBOSS", Surface: SurfaceCommand}, allowed: true, manager: true},
		{name: "unknown group fails closed", cfg: GateConfig{AllowedGroups: []string{"nope"}},
			c: Caller{UserID: "UCS", Surface: SurfaceCommand}, reason: ReasonLookupFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := newFakeDirectory()
			if tc.team.ID != "" {
				dir.team = tc.team
			}
			cfg := tc.cfg
			cfg.Directory = dir
			d := NewGate(cfg).Decide(context.Background(), tc.c)
			want := Decision{Allowed: tc.allowed, Reason: tc.reason, Manager: tc.manager, SharedChannel: tc.sharedCh}
			if d != want {
				t.Errorf("Decide(%+v) = %+v, want %+v", tc.c, d, want)
			}
		})
	}
}

func TestGateCachesLookupsForTheTTL(t *testing.T) {
	t.Parallel()
	dir := newFakeDirectory()
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	g := NewGate(GateConfig{Directory: dir, AllowedGroups: []string{"cs-team"}, TTL: time.Minute, Now: clock})
	ctx := context.Background()
	c := Caller{UserID: "UCS", Surface: SurfaceCommand}
	for range 3 {
		if d := g.Decide(ctx, c); !d.Allowed {
			t.Fatalf("refused: %+v", d)
		}
	}
	if dir.n("user") != 1 || dir.n("members") != 1 || dir.n("groupid") != 1 || dir.n("team") != 1 {
		t.Errorf("lookups within the TTL = %v, want one of each", dir.calls)
	}
	// Removed from the group: it counts once the TTL has passed.
	dir.mu.Lock()
	dir.members["S1"] = nil
	dir.mu.Unlock()
	if d := g.Decide(ctx, c); !d.Allowed {
		t.Errorf("still cached, want allowed: %+v", d)
	}
	now = now.Add(time.Minute)
	if d := g.Decide(ctx, c); d.Allowed || d.Reason != ReasonNotInGroup {
		t.Errorf("after the TTL: %+v, want not_in_group", d)
	}
	if dir.n("user") != 2 || dir.n("members") != 2 || dir.n("team") != 1 {
		t.Errorf("lookups after the TTL = %v", dir.calls)
	}
}

func TestGateFailsClosedAndRetries(t *testing.T) {
	t.Parallel()
	dir := newFakeDirectory()
	dir.fail = errors.New("ratelimited")
	reg := prometheus.NewRegistry()
	g := NewGate(GateConfig{Directory: dir, Registerer: reg})
	ctx := context.Background()
	c := Caller{UserID: "UMEMBER", Surface: SurfaceCommand}
	if d := g.Decide(ctx, c); d.Allowed || d.Reason != ReasonLookupFailed {
		t.Fatalf("Slack down: %+v, want lookup_failed", d)
	}
	dir.mu.Lock()
	dir.fail = nil // failures are not cached
	dir.mu.Unlock()
	if d := g.Decide(ctx, c); !d.Allowed {
		t.Errorf("Slack back: %+v", d)
	}
	g.Decide(ctx, Caller{UserID: "UGUEST", Surface: SurfaceCommand})
	if got := refusalCounts(t, reg); len(got) != 2 || got["guest"] != 1 || got["lookup_failed"] != 1 {
		t.Errorf("healthbot_access_refusals_total = %v, want guest 1, lookup_failed 1", got)
	}
}

// refusalCounts reads healthbot_access_refusals_total by reason.
func refusalCounts(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "healthbot_access_refusals_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" {
					out[l.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

func TestGateCheckChannel(t *testing.T) {
	t.Parallel()
	g := NewGate(GateConfig{Directory: newFakeDirectory()})
	ctx := context.Background()
	for ch, shared := range map[string]bool{"CINT": false, "CORG": false, "CCONN": true, "CPEND": true, "COLDEXT": true} {
		err := g.CheckChannel(ctx, ch)
		if got := errors.Is(err, ErrSharedChannel); got != shared {
			t.Errorf("CheckChannel(%s) = %v, want shared=%v", ch, err, shared)
		}
	}
}

func TestAccessContext(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if !IsManager(ctx) {
		t.Error("without a Gate everyone counts as a manager")
	}
	NoteAccounts(ctx, 1) // no-op, no panic
	ctx, s := WithDecision(ctx, Decision{Allowed: true})
	if IsManager(ctx) {
		t.Error("a decision without Manager is no manager")
	}
	NoteAccounts(ctx, 3, 1, 3, 0)
	if got := s.Noted(); len(got) != 2 || got[0] != 3 || got[1] != 1 {
		t.Errorf("noted = %v, want [3 1]", got)
	}
}

// BenchmarkGateDecideCached is the Gate's cost on a request once its
// lookups are cached (the common case): what every Slack request pays.
func BenchmarkGateDecideCached(b *testing.B) {
	g := NewGate(GateConfig{Directory: newFakeDirectory(), AllowedGroups: []string{"cs-team"}, Managers: "cs-managers"})
	ctx := context.Background()
	c := Caller{UserID: "UCS", TeamID: "T1", ChannelID: "CINT", Surface: SurfaceMention}
	if d := g.Decide(ctx, c); !d.Allowed {
		b.Fatalf("refused: %+v", d)
	}
	b.ReportAllocs()
	for b.Loop() {
		g.Decide(ctx, c)
	}
}
