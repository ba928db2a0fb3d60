package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SignatureWindow is how far a request's timestamp may be from our clock;
// Slack's own guidance, and what makes a captured request useless later.
const SignatureWindow = 5 * time.Minute

// Reasons a request fails verification; the HTTP transport answers 401 to
// all of them and logs which one it was.
var (
	ErrMissingSignature = errors.New("slack signature: missing X-Slack-Signature or X-Slack-Request-Timestamp")
	ErrStaleTimestamp   = errors.New("slack signature: timestamp outside the 5-minute window")
	ErrBadSignature     = errors.New("slack signature: does not match the body")
)

// Verifier checks Slack's v0 request signatures with an injectable clock,
// so tests can sign requests "now" and "six minutes ago".
type Verifier struct {
	Secret string
	Now    func() time.Time // nil means time.Now
}

// Verify checks header's signature over body: v0=HMAC-SHA256(secret,
// "v0:{timestamp}:{body}"), compared in constant time, with the timestamp
// within SignatureWindow of Now.
func (v Verifier) Verify(header http.Header, body []byte) error {
	if v.Secret == "" {
		return ErrBadSignature // an empty key would let anyone sign
	}
	sig, ts := header.Get("X-Slack-Signature"), header.Get("X-Slack-Request-Timestamp")
	if sig == "" || ts == "" {
		return ErrMissingSignature
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrStaleTimestamp
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if skew := now().Sub(time.Unix(secs, 0)); skew > SignatureWindow || skew < -SignatureWindow {
		return ErrStaleTimestamp
	}
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	if !ok {
		return ErrBadSignature
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || !hmac.Equal(got, Sign(v.Secret, ts, body)) {
		return ErrBadSignature
	}
	return nil
}

// Sign computes the raw v0 signature of body sent at timestamp ts (Unix
// seconds as Slack writes them); the header value is "v0=" + hex of it.
func Sign(secret, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return mac.Sum(nil)
}
