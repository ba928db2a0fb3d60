-- Questions from anywhere (#19): Slack assistant threads remember who
-- opened them and from which channel (a channel linked to an account makes
-- that account the thread's default subject); every answer is recorded with
-- the tools it called and the model, so thumbs up/down votes can be
-- reported by model and tool (healthbot ask stats).

-- +goose Up
CREATE TABLE ask_thread (
    channel_id         text        NOT NULL,
    thread_ts          text        NOT NULL,
    user_id            text        NOT NULL,
    context_channel_id text        NOT NULL DEFAULT '',
    account_id         bigint      REFERENCES account (id) ON DELETE SET NULL,
    titled             boolean     NOT NULL DEFAULT false,
    started_at         timestamptz NOT NULL,
    PRIMARY KEY (channel_id, thread_ts)
);

CREATE TABLE ask_answer (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asked_at timestamptz NOT NULL,
    user_id  text        NOT NULL DEFAULT '',
    surface  text        NOT NULL,            -- command, mention, dm, assistant
    question text        NOT NULL,
    tools    text[]      NOT NULL DEFAULT '{}', -- tools called, in order
    model    text        NOT NULL DEFAULT '',   -- '' = the built-in parser
    streamed boolean     NOT NULL DEFAULT false
);
CREATE INDEX ask_answer_asked_at_idx ON ask_answer (asked_at);

CREATE TABLE ask_feedback (
    answer_id bigint      NOT NULL REFERENCES ask_answer (id) ON DELETE CASCADE,
    user_id   text        NOT NULL,
    helpful   boolean     NOT NULL,
    voted_at  timestamptz NOT NULL,
    PRIMARY KEY (answer_id, user_id)
);

-- +goose Down
DROP TABLE ask_feedback;
DROP TABLE ask_answer;
DROP TABLE ask_thread;
