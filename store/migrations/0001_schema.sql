-- The whole data model of DESIGN §3. Later migrations add; they never edit this file.

-- +goose Up
CREATE TABLE csm (
    id            bigserial PRIMARY KEY,
    slack_user_id text UNIQUE,
    email         text UNIQUE,
    name          text NOT NULL DEFAULT '',
    tz            text NOT NULL DEFAULT '',
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT csm_has_identity CHECK (slack_user_id IS NOT NULL OR email IS NOT NULL)
);

CREATE TABLE account (
    id           bigserial PRIMARY KEY,
    external_id  text NOT NULL UNIQUE CHECK (external_id <> ''),
    name         text NOT NULL CHECK (name <> ''),
    domain       text NOT NULL DEFAULT '',
    segment      text NOT NULL DEFAULT '',
    outcome      text NOT NULL DEFAULT '',
    owner_id     bigint REFERENCES csm (id) ON DELETE SET NULL,
    plan         text NOT NULL DEFAULT '',
    mrr          numeric(14, 2) NOT NULL DEFAULT 0,
    seats        integer NOT NULL DEFAULT 0 CHECK (seats >= 0),
    renewal_date date,
    started_at   date,
    churned_at   date,
    attributes   jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_segment_idx ON account (segment);
CREATE INDEX account_owner_idx ON account (owner_id);

-- One observation of one metric. idempotency_key is the item's own key, or
-- store.SignalKey(account, metric, observed_at, source) when the sender gave none.
CREATE TABLE signal (
    account_id      bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    metric          text NOT NULL CHECK (metric <> ''),
    observed_at     timestamptz NOT NULL,
    value           double precision NOT NULL,
    source          text NOT NULL DEFAULT '',
    idempotency_key text NOT NULL UNIQUE,
    ingested_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signal_account_metric_time_idx ON signal (account_id, metric, observed_at);

-- Raw product events (Segment track/identify/group/page), rolled up into usage signals.
CREATE TABLE event (
    id           bigserial PRIMARY KEY,
    message_id   text NOT NULL UNIQUE,
    type         text NOT NULL CHECK (type IN ('track', 'identify', 'group', 'page', 'screen')),
    account_id   bigint REFERENCES account (id) ON DELETE CASCADE,
    user_id      text NOT NULL DEFAULT '',
    anonymous_id text NOT NULL DEFAULT '',
    name         text NOT NULL DEFAULT '',
    occurred_at  timestamptz NOT NULL,
    properties   jsonb NOT NULL DEFAULT '{}'::jsonb,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_account_time_idx ON event (account_id, occurred_at);
CREATE INDEX event_user_time_idx ON event (user_id, occurred_at);

-- Which product users belong to which account (Segment group calls), with their traits.
CREATE TABLE account_user (
    account_id bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    user_id    text NOT NULL,
    traits     jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_admin   boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, user_id)
);
CREATE INDEX account_user_user_idx ON account_user (user_id);

CREATE TABLE pulse (
    id          bigserial PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    csm_id      bigint REFERENCES csm (id) ON DELETE SET NULL,
    rating      text NOT NULL CHECK (rating IN ('healthy', 'concerning', 'poor')),
    reasons     text[] NOT NULL DEFAULT '{}',
    note        text NOT NULL DEFAULT '',
    week        text NOT NULL CHECK (week ~ '^[0-9]{4}-W[0-9]{2}$'),
    answered_at timestamptz NOT NULL,
    source      text NOT NULL DEFAULT 'slack',
    UNIQUE (account_id, week)
);

CREATE TABLE score (
    account_id    bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    as_of         date NOT NULL,
    scorecard     text NOT NULL,
    score         double precision CHECK (score IS NULL OR (score >= 0 AND score <= 100)),
    band          text NOT NULL CHECK (band IN ('green', 'yellow', 'red', 'none')),
    confidence    double precision NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    subscores     jsonb NOT NULL DEFAULT '{}'::jsonb,
    contributions jsonb NOT NULL DEFAULT '[]'::jsonb,
    computed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, as_of)
);
CREATE INDEX score_as_of_idx ON score (as_of);

CREATE TABLE alert (
    id             bigserial PRIMARY KEY,
    account_id     bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    kind           text NOT NULL,
    dedup_key      text NOT NULL,
    fired_at       timestamptz NOT NULL,
    summary        text NOT NULL DEFAULT '',
    payload        jsonb NOT NULL DEFAULT '{}'::jsonb,
    state          text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'snoozed', 'resolved')),
    snoozed_until  timestamptz,
    acted_by       text NOT NULL DEFAULT '',
    assigned_to    text NOT NULL DEFAULT '',
    resolved_at    timestamptz,
    channel_id     text NOT NULL DEFAULT '',
    message_ts     text NOT NULL DEFAULT '',
    dm_channel_id  text NOT NULL DEFAULT '',
    dm_message_ts  text NOT NULL DEFAULT '',
    updated_at     timestamptz NOT NULL DEFAULT now()
);
-- At most one live alert per dedup key: a red account alerts once, not every day.
CREATE UNIQUE INDEX alert_live_dedup_idx ON alert (dedup_key) WHERE state <> 'resolved';
CREATE INDEX alert_account_idx ON alert (account_id, fired_at DESC);

-- A scheduled job claims (name, slot) before it acts, so it runs once per slot
-- across restarts and replicas.
CREATE TABLE job_run (
    name        text NOT NULL,
    slot        text NOT NULL,
    claimed_by  text NOT NULL,
    claimed_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    error       text NOT NULL DEFAULT '',
    PRIMARY KEY (name, slot)
);

CREATE TABLE api_key (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL CHECK (name <> ''),
    hash         bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE UNIQUE INDEX api_key_live_name_idx ON api_key (name) WHERE revoked_at IS NULL;

-- +goose Down
DROP TABLE api_key, job_run, alert, score, pulse, account_user, event, signal, account, csm;
