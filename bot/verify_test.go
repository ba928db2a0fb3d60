package bot

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/bottest"
)

func TestVerifier(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	body := []byte("command=%2Fhealth&text=acme")
	signed := func(secret string, at time.Time, b []byte) http.Header {
		h := http.Header{}
		bottest.SignHeaders(h, secret, at, b)
		return h
	}
	tests := []struct {
		name   string
		secret string
		header http.Header
		body   []byte
		want   error
	}{
		{"valid", "s3cret", signed("s3cret", now, body), body, nil},
		{"valid at the edge of the window", "s3cret", signed("s3cret", now.Add(-SignatureWindow), body), body, nil},
		{"tampered body", "s3cret", signed("s3cret", now, body), []byte("command=%2Fhealth&text=evil"), ErrBadSignature},
		{"wrong secret", "s3cret", signed("other", now, body), body, ErrBadSignature},
		{"stale timestamp", "s3cret", signed("s3cret", now.Add(-SignatureWindow-time.Second), body), body, ErrStaleTimestamp},
		{"timestamp from the future", "s3cret", signed("s3cret", now.Add(SignatureWindow+time.Second), body), body, ErrStaleTimestamp},
		{"missing headers", "s3cret", http.Header{}, body, ErrMissingSignature},
		{"not a v0 signature", "s3cret", http.Header{"X-Slack-Signature": {"v1=abcd"}, "X-Slack-Request-Timestamp": {"1700000000"}}, body, ErrBadSignature},
		{"not hex", "s3cret", http.Header{"X-Slack-Signature": {"v0=zz"}, "X-Slack-Request-Timestamp": {"1700000000"}}, body, ErrBadSignature},
		{"timestamp not a number", "s3cret", http.Header{"X-Slack-Signature": {"v0=00"}, "X-Slack-Request-Timestamp": {"soon"}}, body, ErrStaleTimestamp},
		{"empty secret accepts nothing", "", signed("", now, body), body, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := Verifier{Secret: tt.secret, Now: func() time.Time { return now }}
			require.ErrorIs(t, v.Verify(tt.header, tt.body), tt.want)
		})
	}
}

// TestVerifierMatchesSlackExample checks against the worked example in
// Slack's "Verifying requests from Slack" guide.
func TestVerifierMatchesSlackExample(t *testing.T) {
	t.Parallel()
	body := []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
	h := http.Header{
		"X-Slack-Request-Timestamp": {"1531420618"},
		"X-Slack-Signature":         {"v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"},
	}
	v := Verifier{Secret: "8f742231b10e8888abcd99yyyzzz85a5", Now: func() time.Time { return time.Unix(1531420618, 0) }}
	require.NoError(t, v.Verify(h, body))
}
