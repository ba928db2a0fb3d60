package ingest

import (
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/healthbot/healthbot"
)

// Limits bounds what one request may carry. Segment's are 32 KB an event and
// 500 KB a batch; the REST batches get room for 10,000 items.
type Limits struct {
	RESTBody     int64 // bytes of a /v1/accounts, /v1/signals or /v1/pulses body, after gunzip
	RESTItems    int   // items in one REST batch
	SegmentBatch int64 // bytes of a /v1/batch body, after gunzip
	SegmentEvent int64 // bytes of one Segment event
}

// DefaultLimits are Segment's published limits and generous REST ones.
var DefaultLimits = Limits{
	RESTBody:     16 << 20,
	RESTItems:    10_000,
	SegmentBatch: 500 << 10,
	SegmentEvent: 32 << 10,
}

// readBody reads the request body, gunzipping it when Content-Encoding says
// gzip, and fails with 413 once more than max bytes (after gunzip) arrive,
// so a small compressed body cannot expand into a large one.
func readBody(r *http.Request, max int64) ([]byte, *healthbot.Error) {
	var src io.Reader = http.MaxBytesReader(nil, r.Body, max+1)
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, bodyError(err, max)
		}
		defer zr.Close()
		src = zr
	default:
		return nil, errMediaType("Content-Encoding %q is not supported; send identity or gzip", enc)
	}
	b, err := io.ReadAll(io.LimitReader(src, max+1))
	if err != nil {
		return nil, bodyError(err, max)
	}
	if int64(len(b)) > max {
		return nil, errTooLarge("the body is larger than %d bytes", max)
	}
	return b, nil
}

func bodyError(err error, max int64) *healthbot.Error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge("the body is larger than %d bytes", max)
	}
	return errMalformed("the body could not be read: %v", err)
}
