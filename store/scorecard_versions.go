package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/store/db"
)

// VersionStatus is where a scorecard version stands.
type VersionStatus string

const (
	VersionProposed  VersionStatus = "proposed"  // posted to the ops channel, waiting for Approve or Dismiss
	VersionApproved  VersionStatus = "approved"  // in force once it is the newest approved version
	VersionDismissed VersionStatus = "dismissed" // never in force
)

// ScorecardVersion is one stored scorecard set (YAML, as
// scoring.ParseScorecards reads it) and its decision.
type ScorecardVersion struct {
	ID        int64
	YAML      string
	Source    string // "calibrate", "calibrate (monthly)", "import FILE"
	Status    VersionStatus
	CreatedAt time.Time
	DecidedBy string    // who approved or dismissed it ("" while proposed)
	DecidedAt time.Time // zero while proposed
	// AUCBefore and AUCAfter are the held-out AUCs of the scorecards in
	// force when it was fitted and of this version; HasAUC is false for
	// versions that were not fitted (imports).
	AUCBefore, AUCAfter float64
	HasAUC              bool
	Summary             string // the dry-run diff in words
	Replaces            string // the scorecards in force it was compared with
	ChannelID           string // the ops-channel message of a proposal
	MessageTS           string
}

// NewScorecardVersion is a version to store: a proposal (DecidedBy empty)
// or one approved at once (the CLI: the operator approves by running it).
type NewScorecardVersion struct {
	YAML      string
	Source    string
	Status    VersionStatus // VersionProposed or VersionApproved
	DecidedBy string        // with VersionApproved: who
	AUCBefore float64
	AUCAfter  float64
	HasAUC    bool
	Summary   string
	Replaces  string
}

// InsertScorecardVersion stores v as of now. A proposal still waiting is
// superseded (dismissed) by any new version.
func (s *Store) InsertScorecardVersion(ctx context.Context, v NewScorecardVersion, now time.Time) (ScorecardVersion, error) {
	switch v.Status {
	case VersionProposed:
		if v.DecidedBy != "" {
			return ScorecardVersion{}, errors.New("insert scorecard version: a proposal has no decision yet")
		}
	case VersionApproved:
		if v.DecidedBy == "" {
			return ScorecardVersion{}, errors.New("insert scorecard version: an approved version needs who approved it")
		}
	default:
		return ScorecardVersion{}, fmt.Errorf("insert scorecard version: status %q: want proposed or approved", v.Status)
	}
	p := db.InsertScorecardVersionParams{
		Yaml: v.YAML, Source: v.Source, Status: string(v.Status), CreatedAt: now, DecidedBy: v.DecidedBy,
		Summary: v.Summary, Replaces: v.Replaces, SupersededBy: "healthbot (superseded by a newer version)",
	}
	if v.Status == VersionApproved {
		p.DecidedAt = &now
	}
	if v.HasAUC {
		p.AucBefore, p.AucAfter = &v.AUCBefore, &v.AUCAfter
	}
	row, err := s.q.InsertScorecardVersion(ctx, p)
	if err != nil {
		return ScorecardVersion{}, fmt.Errorf("insert scorecard version: %w", err)
	}
	return versionOf(row), nil
}

// DecideScorecardVersion approves or dismisses proposal id as by, once:
// won is false (and the version as it stands is returned) when it was
// already decided, by this or another replica.
func (s *Store) DecideScorecardVersion(ctx context.Context, id int64, status VersionStatus, by string, now time.Time) (v ScorecardVersion, won bool, err error) {
	if status != VersionApproved && status != VersionDismissed {
		return ScorecardVersion{}, false, fmt.Errorf("decide scorecard version: status %q: want approved or dismissed", status)
	}
	row, err := s.q.DecideScorecardVersion(ctx, db.DecideScorecardVersionParams{ID: id, Status: string(status), DecidedBy: by, DecidedAt: now})
	if err == nil {
		return versionOf(row), true, nil
	}
	if err = notFound(err); !errors.Is(err, ErrNotFound) {
		return ScorecardVersion{}, false, fmt.Errorf("decide scorecard version %d: %w", id, err)
	}
	v, err = s.ScorecardVersion(ctx, id)
	return v, false, err
}

// SetScorecardVersionMessage records where a proposal was posted.
func (s *Store) SetScorecardVersionMessage(ctx context.Context, id int64, channelID, ts string) error {
	return s.q.SetScorecardVersionMessage(ctx, db.SetScorecardVersionMessageParams{ID: id, ChannelID: channelID, MessageTs: ts})
}

// ScorecardVersion returns version id, or ErrNotFound.
func (s *Store) ScorecardVersion(ctx context.Context, id int64) (ScorecardVersion, error) {
	return one(versionOf)(s.q.GetScorecardVersion(ctx, id))
}

// LatestApprovedScorecardVersion is the version approved last, or
// ErrNotFound when none was.
func (s *Store) LatestApprovedScorecardVersion(ctx context.Context) (ScorecardVersion, error) {
	return one(versionOf)(s.q.LatestApprovedScorecardVersion(ctx))
}

// ScorecardVersions lists the newest max versions, newest first.
func (s *Store) ScorecardVersions(ctx context.Context, max int) ([]ScorecardVersion, error) {
	return all(versionOf, "list scorecard versions")(s.q.ListScorecardVersions(ctx, int32(max)))
}

func versionOf(r db.ScorecardVersion) ScorecardVersion {
	return ScorecardVersion{
		ID: r.ID, YAML: r.Yaml, Source: r.Source, Status: VersionStatus(r.Status), CreatedAt: r.CreatedAt,
		DecidedBy: r.DecidedBy, DecidedAt: deref(r.DecidedAt), AUCBefore: deref(r.AucBefore), AUCAfter: deref(r.AucAfter),
		HasAUC: r.AucBefore != nil && r.AucAfter != nil, Summary: r.Summary, Replaces: r.Replaces, ChannelID: r.ChannelID, MessageTS: r.MessageTs,
	}
}
