package connector

import (
	"errors"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDescribeCursor(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ source, cursor, want string }{
		{"stripe", "", "(start)"},
		{"stripe", `{"since":1765022100,"full_at":1765022100}`, "events after 2025-12-06 11:55 UTC"},
		{"stripe", `{"full_at":1765022100,"mode":"full","after":"cus_A"}`, "full pass, after cus_A"},
		{"stripe", `{"since":1765022100,"mode":"events","upto":1765022700,"done":"cus_B"}`, "events pass to 2025-12-06 12:05 UTC, after cus_B"},
		{"stripe", "cus_Legacy", "full pass, after cus_Legacy"},
		{"hubspot", `{"since":{"companies":1764547200000,"deals":1764547201000},"phase":"tickets","after":"2"}`,
			"tickets in progress; companies changed after 2025-12-01 00:00 UTC; deals changed after 2025-12-01 00:00 UTC"},
		{"hubspot", `not json`, "not json"},
		{"sql:usage", "2025-12-01T00:00:00Z", "2025-12-01T00:00:00Z"},
	} {
		require.Equal(t, c.want, DescribeCursor(c.source, c.cursor), c.source+" "+c.cursor)
	}
}

func TestTransportErrorDropsTheURL(t *testing.T) {
	t.Parallel()
	err := transportError(&url.Error{Op: "Get", URL: "https://api.stripe.com/v1/events?types[0]=customer.created", Err: errors.New("connection refused")})
	require.EqualError(t, err, "Get https://api.stripe.com: connection refused")
}
