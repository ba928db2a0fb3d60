package ingest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/healthbot/healthbot"
)

// ItemError names one bad item of a batch: its position, the field at fault
// and why, so a sender can fix every problem in one round.
type ItemError struct {
	Index int    `json:"index"`
	Field string `json:"field,omitempty"`
	Why   string `json:"why"`

	reason string // metrics label; codeInvalid when empty
}

// itemErrors is the cause of an EINVALID batch: the per-item list travels
// in the error chain and is found with errors.As where the answer is
// written, so the error model needs no intake-specific field.
type itemErrors []ItemError

func (e itemErrors) Error() string { return fmt.Sprintf("%d item problems", len(e)) }

// bodyFault is the cause of an EINVALID error about the request as a whole
// that clients tell apart by its own wire code and status: to the error
// model both mean "fix the request", but the intake's public API (README,
// openapi.yaml) has answered them as "malformed" (400) and
// "unsupported_media_type" (415) since the start.
type bodyFault string

const (
	faultMalformed bodyFault = codeMalformed
	faultMediaType bodyFault = codeUnsupported
)

func (f bodyFault) Error() string { return string(f) }

// Error codes on the wire are also the "reason" label of the rejected-items
// counter. Most are the error model's codes (unauthorized, forbidden,
// invalid, too_large, internal); these two are bodyFaults. The reasons
// below label rejected and accepted items.
const (
	codeMalformed     = "malformed"
	codeUnsupported   = "unsupported_media_type"
	codeInvalid       = healthbot.EINVALID
	codeInternal      = healthbot.EINTERNAL
	reasonUnknownAcct = "unknown_account"
	reasonUnknownCSM  = "unknown_csm"
	reasonStored      = "stored"
	reasonDuplicate   = "duplicate"
)

func errUnauthorized(msg string) *healthbot.Error {
	return &healthbot.Error{Code: healthbot.EUNAUTHORIZED, Message: msg}
}

func errForbidden(format string, args ...any) *healthbot.Error {
	return healthbot.Errorf(healthbot.EFORBIDDEN, format, args...)
}

func errMalformed(format string, args ...any) *healthbot.Error {
	return &healthbot.Error{Code: healthbot.EINVALID, Message: fmt.Sprintf(format, args...), Err: faultMalformed}
}

func errMediaType(format string, args ...any) *healthbot.Error {
	return &healthbot.Error{Code: healthbot.EINVALID, Message: fmt.Sprintf(format, args...), Err: faultMediaType}
}

func errTooLarge(format string, args ...any) *healthbot.Error {
	return healthbot.Errorf(healthbot.ETOOLARGE, format, args...)
}

func errInternal(err error) *healthbot.Error {
	return healthbot.Wrap(err, "the intake failed on our side; retry later (nothing was written)")
}

// errInvalidItems rejects a whole batch because of the items named.
func errInvalidItems(total int, items []ItemError) *healthbot.Error {
	return &healthbot.Error{
		Code:    healthbot.EINVALID,
		Message: fmt.Sprintf("%d of %d items are invalid; nothing was written", countIndexes(items), total),
		Err:     itemErrors(items),
	}
}

func countIndexes(items []ItemError) int {
	seen := map[int]bool{}
	for _, it := range items {
		seen[it.Index] = true
	}
	return len(seen)
}

// wireError is the "error" object of a failed request's JSON body.
type wireError struct {
	Code    string      `json:"code"`
	Message string      `json:"message"`
	Items   []ItemError `json:"items,omitempty"`
}

// toWire is the one place an error becomes what a client sees: the HTTP
// status and the JSON error. The status follows the error model's code,
// except that a bodyFault cause keeps the intake's own code and status.
func toWire(err error) (int, wireError) {
	code := healthbot.ErrorCode(err)
	w := wireError{Code: code, Message: healthbot.ErrorMessage(err)}
	if code == healthbot.EINVALID {
		if fault, ok := errors.AsType[bodyFault](err); ok {
			w.Code = string(fault)
			if fault == faultMediaType {
				return http.StatusUnsupportedMediaType, w
			}
			return http.StatusBadRequest, w
		}
		if items, ok := errors.AsType[itemErrors](err); ok {
			w.Items = items
		}
	}
	switch code {
	case healthbot.EINVALID:
		return http.StatusBadRequest, w
	case healthbot.EUNAUTHORIZED:
		return http.StatusUnauthorized, w
	case healthbot.EFORBIDDEN:
		return http.StatusForbidden, w
	case healthbot.ENOTFOUND:
		return http.StatusNotFound, w
	case healthbot.ECONFLICT:
		return http.StatusConflict, w
	case healthbot.ETOOLARGE:
		return http.StatusRequestEntityTooLarge, w
	case healthbot.EUNAVAILABLE:
		return http.StatusServiceUnavailable, w
	}
	w.Code = codeInternal
	return http.StatusInternalServerError, w
}

// writeJSON writes v with status; encoding errors can only be a broken
// connection, which the client will notice.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers err in the intake's error format and returns the
// status it wrote.
func writeError(w http.ResponseWriter, err error) int {
	status, body := toWire(err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="healthbot", Basic realm="healthbot"`)
	}
	writeJSON(w, status, map[string]any{"error": body})
	return status
}

// batchFailed turns the outcome of a batch write into the error to answer
// and counts rejected items: each bad item by its reason, the rest of the
// batch as "batch_invalid" (all or nothing).
func (h *Handler) batchFailed(c *call, endpoint string, err error, bad []ItemError) *healthbot.Error {
	if err == nil {
		return nil
	}
	herr, ok := errors.AsType[*healthbot.Error](err)
	if !ok {
		return errInternal(err)
	}
	if herr.Code == healthbot.EINVALID {
		byIndex := map[int]string{}
		for _, it := range bad {
			if _, seen := byIndex[it.Index]; !seen || it.reason != "" {
				byIndex[it.Index] = cmp.Or(it.reason, codeInvalid)
			}
		}
		for _, reason := range byIndex {
			h.metrics.rejected(endpoint, reason, 1)
		}
		h.metrics.rejected(endpoint, "batch_invalid", c.items-len(byIndex))
	}
	return herr
}

// sortItems orders problems by item index, keeping each item's own order.
func sortItems(items []ItemError) []ItemError {
	slices.SortStableFunc(items, func(a, b ItemError) int { return cmp.Compare(a.Index, b.Index) })
	return items
}
