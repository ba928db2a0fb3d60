package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// ScorecardVersions is the part of the store that knows which scorecard
// version was approved last.
type ScorecardVersions interface {
	LatestApprovedScorecardVersion(ctx context.Context) (store.ScorecardVersion, error)
}

var _ ScorecardVersions = (*store.Store)(nil)

// InForce is the scorecard set scoring uses and where it came from.
type InForce struct {
	Cards   scoring.Scorecards
	Source  string // for people: "built-in defaults", "scorecards.yaml", "scorecard version 3 (approved by …)"
	Version int64  // the stored version in force; 0 for a file or the defaults
	File    string // the file in force, if one was named
}

// ScorecardsInForce is the one answer to "which scorecards score today":
// a file named by file (a --scorecards flag or HEALTHBOT_SCORECARDS) wins;
// else the newest approved version in the store (versions is nil for
// callers without a database); else the built-in defaults. A file or
// version that does not parse is an error naming it, never a silent
// fallback.
func ScorecardsInForce(ctx context.Context, versions ScorecardVersions, file string) (InForce, error) {
	if file != "" {
		cards, err := ScorecardsFile(file)
		return InForce{Cards: cards, Source: file, File: file}, err
	}
	if versions != nil {
		v, err := versions.LatestApprovedScorecardVersion(ctx)
		switch {
		case err == nil:
			cards, perr := scoring.ParseScorecards([]byte(v.YAML))
			if perr != nil {
				return InForce{}, fmt.Errorf("scorecard version %d (approved by %s) does not parse; import a corrected file with healthbot scorecards import:\n  %s",
					v.ID, v.DecidedBy, strings.ReplaceAll(perr.Error(), "\n", "\n  "))
			}
			return InForce{Cards: cards, Source: VersionSource(v), Version: v.ID}, nil
		case !errors.Is(err, store.ErrNotFound):
			return InForce{}, fmt.Errorf("scorecards in force: %w", err)
		}
	}
	return InForce{Cards: scoring.DefaultScorecards(), Source: "built-in defaults"}, nil
}

// ScorecardsFile reads and checks a scorecard YAML file; an invalid one
// fails with every problem, each naming its line, scorecard and field.
func ScorecardsFile(path string) (scoring.Scorecards, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return scoring.Scorecards{}, fmt.Errorf("scorecards: %w", err)
	}
	cards, err := scoring.ParseScorecards(data)
	if err != nil {
		return scoring.Scorecards{}, fmt.Errorf("scorecard file %s is not valid; nothing was scored:\n  %s",
			path, strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	return cards, nil
}

// VersionSource names a stored version for people.
func VersionSource(v store.ScorecardVersion) string {
	if v.Status != store.VersionApproved {
		return fmt.Sprintf("scorecard version %d (%s, %s)", v.ID, v.Source, v.Status)
	}
	return fmt.Sprintf("scorecard version %d (%s, approved by %s on %s)", v.ID, v.Source, v.DecidedBy, v.DecidedAt.UTC().Format(time.DateOnly))
}
