-- Scorecard versions (issue 12): every scorecard set healthbot has proposed
-- (a calibration), stored (an import) or been told to use. The newest
-- approved version is what scoring uses, unless HEALTHBOT_SCORECARDS names
-- a file. A proposal posted to the ops channel waits for Approve or Dismiss;
-- the decision is made once (status moves from proposed exactly once).

-- +goose Up
CREATE TABLE scorecard_version (
    id           bigserial PRIMARY KEY,
    yaml         text NOT NULL,
    -- what made it: "calibrate", "calibrate (monthly)", "import FILE"
    source       text NOT NULL,
    status       text NOT NULL CHECK (status IN ('proposed', 'approved', 'dismissed')),
    created_at   timestamptz NOT NULL,
    -- who approved or dismissed it, and when (empty/NULL while proposed)
    decided_by   text NOT NULL DEFAULT '',
    decided_at   timestamptz,
    -- held-out AUC of the scorecards in force when it was fitted, and of it
    auc_before   double precision,
    auc_after    double precision,
    -- the dry-run diff in words, as posted or printed, and what the version
    -- was compared with (the scorecards in force when it was made)
    summary      text NOT NULL DEFAULT '',
    replaces     text NOT NULL DEFAULT '',
    -- the ops-channel message of a proposal, rewritten once decided
    channel_id   text NOT NULL DEFAULT '',
    message_ts   text NOT NULL DEFAULT '',
    CHECK ((status = 'proposed') = (decided_at IS NULL))
);
CREATE INDEX scorecard_version_approved_idx ON scorecard_version (decided_at DESC, id DESC) WHERE status = 'approved';

-- +goose Down
DROP TABLE scorecard_version;
