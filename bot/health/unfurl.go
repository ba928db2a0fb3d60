package health

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
)

// unfurlSlack is the part of the Slack Web API unfurls need; *slack.Client
// has it.
type unfurlSlack interface {
	UnfurlMessageContext(ctx context.Context, channelID, timestamp string, unfurls map[string]slack.Attachment, options ...slack.MsgOption) (string, string, string, error)
	UnfurlMessageWorkObjectContext(ctx context.Context, channelID, timestamp string, unfurls map[string]slack.Attachment, metadata slack.WorkObjectMetadata, options ...slack.MsgOption) (string, string, string, error)
}

// Unfurls is the link_shared EventHandler: a link to an account's CRM record
// (its crm_url attribute) or domain (or a subdomain of it) posted where the
// bot is gets the account's health
// as its preview, through one chat.unfurl call per message. Register it
// with Router.Event("link_shared", …).
type Unfurls struct {
	Health *Health
	Slack  unfurlSlack
	// Guard is the access rule for the channel (the Gate: cached
	// conversations.info, refusals counted).
	Guard access.ChannelGuard
	// Domains, when set (HEALTHBOT_UNFURL_DOMAINS), are the only link
	// domains considered; Slack sends link_shared only for the domains in
	// the manifest's unfurl_domains anyway.
	Domains []string
	Log     *slog.Logger
}

var _ chat.EventHandler = Unfurls{}

// HandleEvent unfurls the account links of one shared message. Nothing is
// unfurled in a channel shared with another organisation: a customer would
// see their own health score.
func (u Unfurls) HandleEvent(ctx context.Context, ev chat.Event) error {
	e, ok := ev.Data.(*slackevents.LinkSharedEvent)
	if !ok {
		return errors.New("link_shared without its event")
	}
	if e.Channel == "" || !isMessageTS(e.MessageTimeStamp) {
		return nil // a link in the composer: no message to unfurl yet
	}
	// Before any card is read or noted in the audit as shown.
	if err := u.Guard.CheckChannel(ctx, e.Channel); errors.Is(err, access.ErrSharedChannel) {
		u.log().DebugContext(ctx, "no unfurl in an externally shared channel", "channel", e.Channel)
		return nil
	} else if err != nil {
		return fmt.Errorf("unfurl: %w", err)
	}
	unfurls := map[string]slack.Attachment{}
	var entities []slack.WorkObjectEntity
	for _, l := range e.Links {
		if _, ok := u.host(l); !ok {
			continue
		}
		acct, found, err := u.Health.Lookup().ByURL(ctx, l.URL)
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		c, err := u.Health.store.Card(ctx, acct.ID, HistoryDays)
		if err != nil {
			return fmt.Errorf("unfurl %s: %w", acct.ExternalID, err)
		}
		access.NoteAccounts(ctx, acct.ID) // the access audit
		v := cardView(c, u.Health.now())
		unfurls[l.URL] = slack.Attachment{Blocks: slack.Blocks{BlockSet: blocks.UnfurlBlocks(v)}}
		entities = append(entities, blocks.UnfurlEntity(l.URL, v))
	}
	if len(unfurls) == 0 {
		return nil
	}
	// A Work Object where the app has Work Object previews enabled; Slack
	// refuses the metadata otherwise, and the plain Block Kit unfurl goes.
	_, _, _, err := u.Slack.UnfurlMessageWorkObjectContext(ctx, e.Channel, e.MessageTimeStamp, unfurls, slack.WorkObjectMetadata{Entities: entities})
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		u.log().DebugContext(ctx, "Work Object unfurl refused; unfurling with blocks", "error", se.Err)
		_, _, _, err = u.Slack.UnfurlMessageContext(ctx, e.Channel, e.MessageTimeStamp, unfurls)
	}
	if err != nil {
		return fmt.Errorf("chat.unfurl in %s: %w", e.Channel, err)
	}
	return nil
}

// host is the link's host when it is one healthbot unfurls.
func (u Unfurls) host(l slackevents.SharedLinks) (string, bool) {
	p, err := url.Parse(l.URL)
	if err != nil || p.Hostname() == "" {
		return "", false
	}
	host := strings.TrimPrefix(strings.ToLower(p.Hostname()), "www.")
	if len(u.Domains) == 0 {
		return host, true
	}
	for _, d := range u.Domains {
		d = strings.TrimPrefix(strings.ToLower(d), "www.")
		if host == d || strings.HasSuffix(host, "."+d) {
			return host, true
		}
	}
	return "", false
}

func (u Unfurls) log() *slog.Logger {
	if u.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return u.Log
}

// isMessageTS reports whether ts is a posted message's timestamp
// ("1700000000.000100"), not the composer's uuid.
func isMessageTS(ts string) bool {
	sec, frac, ok := strings.Cut(ts, ".")
	if !ok || sec == "" || frac == "" {
		return false
	}
	for _, c := range sec + frac {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
