-- name: LinkChannel :exec
INSERT INTO channel_link (channel_id, account_id, linked_at) VALUES ($1, $2, $3)
ON CONFLICT (channel_id) DO UPDATE SET account_id = EXCLUDED.account_id, linked_at = EXCLUDED.linked_at;

-- name: UnlinkChannel :execrows
DELETE FROM channel_link WHERE channel_id = $1;

-- name: ChannelAccount :one
SELECT a.id, a.external_id, a.name FROM channel_link l JOIN account a ON a.id = l.account_id
WHERE l.channel_id = $1;

-- name: ChannelsOfAccount :many
SELECT channel_id FROM channel_link WHERE account_id = $1 ORDER BY channel_id;

-- name: InsertConversationMessage :execrows
INSERT INTO conversation_message (channel_id, ts, from_team, negative) VALUES ($1, $2, $3, $4)
ON CONFLICT (channel_id, ts) DO NOTHING;

-- name: SetConversationSentiment :exec
UPDATE conversation_message SET negative = $3 WHERE channel_id = $1 AND ts = $2;
