package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
)

// DigestStore is what the digest reads (app.DigestStore).
type DigestStore = app.DigestStore

// DigestSlack is the part of the Web API the digest posts with.
type DigestSlack interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
}

var _ DigestSlack = (*slack.Client)(nil)

// DigestConfig configures NewDigest.
type DigestConfig struct {
	Store     DigestStore
	Slack     DigestSlack    // nil: the digest can be built but not posted
	Channel   string         // HEALTHBOT_DIGEST_CHANNEL
	Location  *time.Location // HEALTHBOT_TIMEZONE: the digest's day and dates; nil means UTC
	TextChart bool           // sparklines instead of a Block Kit chart (console, demo)
	Tables    bool           // newly red and renewals as data tables (serve, unless HEALTHBOT_TABLES=text)
	Logger    *slog.Logger
	Retry     chat.RateLimitRetrier // paces the post on 429s; MaxRetries 0 means DefaultDigestRetries
	Guard     access.ChannelGuard   // checks the channel is not shared with another organisation; nil: no check
	// Team adds the managers' lines (#17: mostly-green pulses, away CSMs,
	// alert rules' record); nil: left out.
	Team TeamStore
	// Cards hold the alert thresholds a noisy rule is told to tune, the
	// mostly-green lines and the family weights that band the data
	// without the pulse, read at each build; nil: the built-in defaults.
	Cards CardsFunc
}

// DefaultDigestRetries is how many 429s in a row the digest post waits out:
// it is one message a week, worth waiting for.
const DefaultDigestRetries = 20

// Digest builds and posts the Monday digest (DESIGN §5); the scheduler runs
// Post once per week, and `healthbot digest` prints Build's message.
type Digest struct {
	cfg DigestConfig
}

// NewDigest builds the digest job.
func NewDigest(cfg DigestConfig) *Digest {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Retry.MaxRetries == 0 {
		cfg.Retry.MaxRetries = DefaultDigestRetries
	}
	if cfg.Retry.Log == nil {
		cfg.Retry.Log = cfg.Logger
	}
	return &Digest{cfg: cfg}
}

// ErrNoDigestChannel is Post's error without a channel to post to.
var ErrNoDigestChannel = errors.New("digest: HEALTHBOT_DIGEST_CHANNEL is not set")

// Build gathers the portfolio as it stands at the moment at and renders
// the digest of that moment: the scheduler passes the occurrence (Monday
// 09:00), so a late catch-up run reports on the same week.
func (d *Digest) Build(ctx context.Context, at time.Time) (scoring.Digest, Message, error) {
	dg, team, err := d.gather(ctx, at)
	if err != nil {
		return dg, Message{}, err
	}
	return dg, d.message(dg, team, at.In(d.cfg.Location), false), nil
}

// gather assembles the digest of the moment at (app.AssembleDigest) and
// draws its managers' view (nil without a TeamStore).
func (d *Digest) gather(ctx context.Context, at time.Time) (scoring.Digest, *blocks.TeamView, error) {
	dg, team, err := app.AssembleDigest(ctx, app.DigestSources{Store: d.cfg.Store, Team: d.cfg.Team, Cards: d.cfg.Cards}, at.In(d.cfg.Location))
	if err != nil || team == nil {
		return dg, nil, err
	}
	v := TeamReport{*team}.View()
	return dg, &v, nil
}

// message renders the digest; plain (the fallback for a workspace that
// refused the first post) draws sparklines and text lists only.
func (d *Digest) message(dg scoring.Digest, team *blocks.TeamView, at time.Time, plain bool) Message {
	return Message{
		Text: blocks.DigestText(dg),
		Blocks: blocks.DigestBlocks(blocks.DigestView{Digest: dg, Now: at, TextChart: d.cfg.TextChart || plain, Tables: d.cfg.Tables && !plain,
			Team: team}),
		InChannel: true,
	}
}

// DigestPost says where a posted digest went.
type DigestPost struct {
	Digest    scoring.Digest
	ChannelID string
	TS        string
}

// Post builds the digest of the moment at and posts it to the digest
// channel, waiting out rate limits. A workspace that refuses the chart
// (invalid_blocks) gets the same digest with text sparklines and lists
// instead.
func (d *Digest) Post(ctx context.Context, at time.Time) (DigestPost, error) {
	if d.cfg.Channel == "" {
		return DigestPost{}, ErrNoDigestChannel
	}
	if d.cfg.Slack == nil {
		return DigestPost{}, errors.New("digest: no Slack client")
	}
	if d.cfg.Guard != nil {
		if err := d.cfg.Guard.CheckChannel(ctx, d.cfg.Channel); err != nil {
			return DigestPost{}, fmt.Errorf("digest: not posted to HEALTHBOT_DIGEST_CHANNEL: %w", err)
		}
	}
	dg, team, err := d.gather(ctx, at)
	if err != nil {
		return DigestPost{}, err
	}
	ch, ts, err := d.post(ctx, d.message(dg, team, at.In(d.cfg.Location), false))
	if invalidBlocks(err) && (!d.cfg.TextChart || d.cfg.Tables) {
		d.cfg.Logger.WarnContext(ctx, "digest: Slack refused the message; posting it with text charts", "err", err)
		ch, ts, err = d.post(ctx, d.message(dg, team, at.In(d.cfg.Location), true))
	}
	if err != nil {
		return DigestPost{}, fmt.Errorf("digest: posting to %s: %w", d.cfg.Channel, err)
	}
	d.cfg.Logger.InfoContext(ctx, "digest posted", "week", dg.Week, "channel", ch, "ts", ts,
		"scored", dg.ScoredAccounts, "newly_red", len(dg.NewlyRed), "renewals_at_risk", len(dg.Renewals))
	return DigestPost{Digest: dg, ChannelID: ch, TS: ts}, nil
}

func (d *Digest) post(ctx context.Context, msg Message) (string, string, error) {
	var ch, ts string
	err := d.cfg.Retry.DoFinishing(ctx, func(ctx context.Context) error { // recorded as posted: finish it
		var err error
		ch, ts, err = d.cfg.Slack.PostMessageContext(ctx, d.cfg.Channel, chat.MsgOptions(msg, "")...)
		return err
	})
	return ch, ts, err
}

func invalidBlocks(err error) bool {
	var se slack.SlackErrorResponse
	return errors.As(err, &se) && se.Err == "invalid_blocks"
}
