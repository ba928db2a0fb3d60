package scoring

// AccountsByID indexes accounts by their ID: the use cases and reports
// that join scores to the accounts they belong to all need it.
func AccountsByID(accounts []Account) map[int64]Account {
	out := make(map[int64]Account, len(accounts))
	for _, a := range accounts {
		out[a.ID] = a
	}
	return out
}

// ScoresByAccount indexes scores of one day by account ID; of two scores
// of one account the last wins.
func ScoresByAccount(scores []Score) map[int64]Score {
	out := make(map[int64]Score, len(scores))
	for _, s := range scores {
		out[s.AccountID] = s
	}
	return out
}
