package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/healthbot/healthbot/store/db"
)

// Conversation metric keys, as the scoring catalog reads them.
const (
	MetricCustomerMessages       = "customer_messages"
	MetricTeamMessages           = "team_messages"
	MetricFirstResponseMinutes   = "first_response_minutes"
	MetricNegativeSentimentShare = "negative_sentiment_share"
)

// ConversationSource is the source of conversation signals.
const ConversationSource = "slack"

// ChannelLink is a Slack channel linked to an account.
type ChannelLink struct {
	ChannelID         string
	AccountID         int64
	AccountExternalID string
	AccountName       string
}

// LinkChannel links (or relinks) a channel to an account.
func (s *Store) LinkChannel(ctx context.Context, channelID string, accountID int64, at time.Time) error {
	if err := s.q.LinkChannel(ctx, db.LinkChannelParams{ChannelID: channelID, AccountID: accountID, LinkedAt: at}); err != nil {
		return fmt.Errorf("link channel %s: %w", channelID, err)
	}
	return nil
}

// UnlinkChannel removes a channel's link and its message metadata; it
// reports whether the channel was linked.
func (s *Store) UnlinkChannel(ctx context.Context, channelID string) (bool, error) {
	n, err := s.q.UnlinkChannel(ctx, channelID)
	if err != nil {
		return false, fmt.Errorf("unlink channel %s: %w", channelID, err)
	}
	return n > 0, nil
}

// ChannelAccount returns the account a channel is linked to, or ErrNotFound.
func (s *Store) ChannelAccount(ctx context.Context, channelID string) (ChannelLink, error) {
	r, err := s.q.ChannelAccount(ctx, channelID)
	if err != nil {
		return ChannelLink{}, notFound(err)
	}
	return ChannelLink{ChannelID: channelID, AccountID: r.ID, AccountExternalID: r.ExternalID, AccountName: r.Name}, nil
}

// ChannelsOfAccount lists the channels linked to an account.
func (s *Store) ChannelsOfAccount(ctx context.Context, accountID int64) ([]string, error) {
	return s.q.ChannelsOfAccount(ctx, accountID)
}

// RecordConversationMessage stores one message's metadata (never its
// text); a message already recorded (same channel and ts) is ignored and
// reported as false. negative is nil when no model classified it.
func (s *Store) RecordConversationMessage(ctx context.Context, channelID string, ts time.Time, fromTeam bool, negative *bool) (bool, error) {
	n, err := s.q.InsertConversationMessage(ctx, db.InsertConversationMessageParams{ChannelID: channelID, Ts: ts, FromTeam: fromTeam, Negative: negative})
	if err != nil {
		return false, fmt.Errorf("record message in %s: %w", channelID, err)
	}
	return n > 0, nil
}

// SetConversationSentiment records a model's verdict on a recorded message.
func (s *Store) SetConversationSentiment(ctx context.Context, channelID string, ts time.Time, negative bool) error {
	err := s.q.SetConversationSentiment(ctx, db.SetConversationSentimentParams{ChannelID: channelID, Ts: ts, Negative: &negative})
	if err != nil {
		return fmt.Errorf("record sentiment in %s: %w", channelID, err)
	}
	return nil
}

// ConversationDay is one channel's (or account's) tally for one UTC day.
type ConversationDay struct {
	Day                  time.Time
	CustomerMessages     int
	TeamMessages         int
	FirstResponseMinutes *float64 // median; nil when no customer message of the day was answered
	Negative, Classified int      // customer messages found negative, and classified at all
}

// conversationTallySQL tallies messages per key (a channel or an account)
// and UTC day in [@from, @to). A first response is the team's first message
// after a customer message that follows a team message (or opens the
// channel): consecutive customer messages wait together. It counts on the
// customer message's day; answers later than @lookahead are not seen.
const conversationTallySQL = `
WITH m AS (
    SELECT %[1]s AS key, cm.ts, cm.from_team, cm.negative,
           lag(cm.from_team) OVER (PARTITION BY cm.channel_id ORDER BY cm.ts) AS prev_team,
           -- the next team message: a frame that only grows, so linear time
           min(cm.ts) FILTER (WHERE cm.from_team) OVER (PARTITION BY cm.channel_id ORDER BY cm.ts DESC
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS answered_at
    FROM conversation_message cm JOIN channel_link l ON l.channel_id = cm.channel_id
    WHERE %[2]s
      AND cm.ts >= (@from::date::timestamp AT TIME ZONE 'UTC') - interval '7 days'
      AND cm.ts < (@to::date::timestamp AT TIME ZONE 'UTC') + interval '7 days'
)
SELECT key, (ts AT TIME ZONE 'UTC')::date AS day,
       count(*) FILTER (WHERE NOT from_team)::int AS customer,
       count(*) FILTER (WHERE from_team)::int AS team,
       (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - ts) / 60)
            FILTER (WHERE NOT from_team AND coalesce(prev_team, true) AND answered_at IS NOT NULL))::float8 AS first_response,
       count(*) FILTER (WHERE NOT from_team AND negative)::int AS negative,
       count(*) FILTER (WHERE NOT from_team AND negative IS NOT NULL)::int AS classified
FROM m
WHERE ts >= (@from::date::timestamp AT TIME ZONE 'UTC') AND ts < (@to::date::timestamp AT TIME ZONE 'UTC')
GROUP BY key, day`

// ConversationTallies returns a channel's tallies for the UTC days in
// [from, to), days without messages left out.
func (s *Store) ConversationTallies(ctx context.Context, channelID string, from, to time.Time) ([]ConversationDay, error) {
	q := fmt.Sprintf(conversationTallySQL, "cm.channel_id", "cm.channel_id = @channel") + " ORDER BY day"
	rows, err := s.db.Query(ctx, q, pgx.NamedArgs{"channel": channelID, "from": from, "to": to})
	if err != nil {
		return nil, fmt.Errorf("tally channel %s: %w", channelID, err)
	}
	var out []ConversationDay
	var key string
	var d ConversationDay
	_, err = pgx.ForEachRow(rows, []any{&key, &d.Day, &d.CustomerMessages, &d.TeamMessages, &d.FirstResponseMinutes, &d.Negative, &d.Classified}, func() error {
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tally channel %s: %w", channelID, err)
	}
	return out, nil
}

// conversationSignalsSQL turns per-account daily tallies into signals: the
// message counts for every day an account had a linked channel (0 on quiet
// days, so silence is data), the median first response and the negative
// share on days that have them.
var conversationSignalsSQL = `
WITH t AS (` + fmt.Sprintf(conversationTallySQL, "l.account_id", "true") + `),
days AS (SELECT d::date AS day FROM generate_series(@from::date, @to::date - 1, interval '1 day') d),
linked AS (
    SELECT a.id, a.external_id, d.day FROM account a CROSS JOIN days d
    WHERE EXISTS (SELECT 1 FROM channel_link l WHERE l.account_id = a.id
                  AND l.linked_at < ((d.day + 1)::timestamp AT TIME ZONE 'UTC'))
)
SELECT li.id AS account_id, li.external_id AS account, v.metric,
       (li.day::timestamp AT TIME ZONE 'UTC') AS observed_at, v.value
FROM linked li LEFT JOIN t ON t.key = li.id AND t.day = li.day
CROSS JOIN LATERAL (VALUES
    ('` + MetricCustomerMessages + `', coalesce(t.customer, 0)::float8),
    ('` + MetricTeamMessages + `', coalesce(t.team, 0)::float8),
    ('` + MetricFirstResponseMinutes + `', t.first_response),
    ('` + MetricNegativeSentimentShare + `', t.negative::float8 / nullif(t.classified, 0))
) v(metric, value)
WHERE v.value IS NOT NULL`

// WriteConversationSignals writes the conversation signals of the UTC days
// in [from, to) for every account with a linked channel, and counts the
// signals inserted or changed per metric. Rerunning a range is cheap and
// picks up answers that came after the last run.
func (s *Store) WriteConversationSignals(ctx context.Context, from, to time.Time) (map[string]int64, error) {
	if err := s.ensureMonths(ctx, "signal", monthsBetween(from, to)); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, writeSignalsFrom(conversationSignalsSQL, ConversationSource), pgx.NamedArgs{"from": from, "to": to})
	if err != nil {
		return nil, fmt.Errorf("write conversation signals: %w", err)
	}
	written := map[string]int64{}
	var metric string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&metric, &n}, func() error {
		written[metric] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("write conversation signals: %w", err)
	}
	return written, nil
}
