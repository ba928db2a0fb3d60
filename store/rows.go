package store

import "fmt"

// one converts the row of a lookup by key, a missing row being ErrNotFound:
//
//	return one(csmFromRow)(s.q.GetCSM(ctx, id))
//
// Every single-row getter had its own copy of these five lines.
func one[R, T any](conv func(R) T) func(R, error) (T, error) {
	return func(r R, err error) (T, error) {
		if err != nil {
			var zero T
			return zero, notFound(err)
		}
		return conv(r), nil
	}
}

// all converts the rows of a listing; an error says what was being listed:
//
//	return all(csmFromRow, "list csms")(s.q.ListCSMs(ctx))
func all[R, T any](conv func(R) T, what string) func([]R, error) ([]T, error) {
	return func(rows []R, err error) ([]T, error) {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out := make([]T, len(rows))
		for i, r := range rows {
			out[i] = conv(r)
		}
		return out, nil
	}
}
