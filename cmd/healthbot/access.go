package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot/bot/access"
	"github.com/slack-go/slack"
)

// userGroupName is a Slack user-group handle (with or without @) or id.
var userGroupName = regexp.MustCompile(`^@?[A-Za-z0-9][A-Za-z0-9._-]*$`)

// userGroups reads a comma-separated list of user-group handles or ids.
func (p *parser) userGroups(name string) []string {
	var out []string
	for _, g := range splitList(p.str(name, "")) {
		if !userGroupName.MatchString(g) {
			p.fail(name, "has %q, not a Slack user-group handle like @cs-team or an id like S0123ABC", g)
			continue
		}
		out = append(out, strings.TrimPrefix(g, "@"))
	}
	return out
}

// managers reads HEALTHBOT_MANAGERS: one user-group handle or id, or a
// list of Slack user ids (U012AB3CD, W… on Enterprise Grid).
func (p *parser) managers(name string) (group string, ids []string) {
	entries := splitList(p.str(name, ""))
	if len(entries) > 0 && !slices.ContainsFunc(entries, func(e string) bool { return !slackUserID.MatchString(e) }) {
		return "", entries
	}
	return p.userGroup(name), nil
}

// userGroup reads one user-group handle or id.
func (p *parser) userGroup(name string) string {
	gs := p.userGroups(name)
	if len(gs) > 1 {
		p.fail(name, "names %d groups; want one, or a list of Slack user ids (U012AB3CD,U045EF6GH)", len(gs))
	}
	if len(gs) == 0 {
		return ""
	}
	return gs[0]
}

// days reads a duration in days ("90d") or as Go writes it ("720h").
func (p *parser) days(name, def string) time.Duration {
	v := p.str(name, def)
	d, ok := parseDays(v)
	if !ok {
		p.fail(name, "is %q; want a number of days like 90d, or a duration like 720h", v)
		d, _ = parseDays(def)
	}
	return d
}

// parseDays reads "90d" or "720h"; ok is false unless it is positive.
func parseDays(v string) (time.Duration, bool) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		d, err := strconv.Atoi(n)
		return time.Duration(d) * 24 * time.Hour, err == nil && d > 0
	}
	d, err := time.ParseDuration(v)
	return d, err == nil && d > 0
}

// newGate is the one access decision, over Slack's directory, writing the
// audit trail to the store and its refusal counter to /metrics.
func (m *Main) newGate() *access.Gate {
	return access.NewGate(access.GateConfig{
		Directory: access.SlackAccess{API: m.slack}, Audit: access.StoreAudit{Store: m.store},
		AllowedGroups: m.Config.AllowedGroups, Managers: m.Config.Managers, ManagerIDs: m.Config.ManagerIDs,
		Logger: m.Logger.With("component", "access"), Registerer: m.registry, Now: m.now,
	})
}

// channelGuard checks the alert and digest channels before each post: the
// Gate when Slack is on, nothing without Slack (nothing is posted).
func (m *Main) channelGuard() access.ChannelGuard {
	if m.gate == nil {
		return nil // a nil *access.Gate must not become a non-nil interface
	}
	return m.gate
}

// guardFor is the channel check of one-off commands that post (digest
// --post, score --alerts): a Gate of their own over api; nil without Slack.
func guardFor(api *slack.Client) access.ChannelGuard {
	if api == nil {
		return nil
	}
	return access.NewGate(access.GateConfig{Directory: access.SlackAccess{API: api}})
}

// checkPostChannels refuses to start when the alert or digest channel is
// shared with another organisation: every alert and digest carries account
// data.
func (m *Main) checkPostChannels(ctx context.Context) error {
	if m.gate == nil {
		return nil
	}
	var errs []error
	for _, c := range []struct{ name, channel string }{
		{"HEALTHBOT_ALERT_CHANNEL", m.Config.AlertChannel},
		{"HEALTHBOT_DIGEST_CHANNEL", m.Config.DigestChannel},
	} {
		if c.channel == "" {
			continue
		}
		err := m.gate.CheckChannel(ctx, c.channel)
		switch {
		case errors.Is(err, access.ErrSharedChannel):
			errs = append(errs, fmt.Errorf("%s %s is shared with another organisation (Slack Connect); healthbot posts account data there, so pick an internal channel", c.name, c.channel))
		case err != nil:
			errs = append(errs, fmt.Errorf("%s %s: cannot check whether it is shared with another organisation (it must be a channel id like C0123ABC, and the app needs channels:read and groups:read): %w", c.name, c.channel, err))
		}
	}
	return errors.Join(errs...)
}
