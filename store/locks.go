package store

import "context"

// Transaction-level advisory locks, held to the caller's commit. Advisory
// locks are database-wide, so each key includes the schema: two healthbot
// schemas in one database (parallel test schemas, a staging copy) never
// queue behind each other.
const (
	// lockScoreWrites serialises score writers: score_band_day rows are
	// keyed by day and band, so two writers of one day must queue.
	lockScoreWrites = "hbscores"
	// lockPartitionCreators serialises the makers of monthly partitions;
	// hb_ensure_month_partitions (migration 0152) takes the same key.
	lockPartitionCreators = "hb_partitions"
)

// lockXact takes the advisory lock name of this store's schema.
func (s *Store) lockXact(ctx context.Context, name string) error {
	_, err := s.db.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '/' || $1, 0))`, name)
	return err
}
