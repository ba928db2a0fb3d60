package ingest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
)

// ItemError names one bad item of a batch: its position, the field at fault
// and why, so a sender can fix every problem in one round.
type ItemError struct {
	Index int    `json:"index"`
	Field string `json:"field,omitempty"`
	Why   string `json:"why"`

	reason string // metrics label; codeInvalid when empty
}

// apiError is what a client sees when a request fails: an HTTP status, a
// stable code and a user-safe message; err carries detail for the log only.
type apiError struct {
	Status  int         `json:"-"`
	Code    string      `json:"code"`
	Message string      `json:"message"`
	Items   []ItemError `json:"items,omitempty"`
	err     error
}

func (e *apiError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.err)
	}
	return e.Code + ": " + e.Message
}

func (e *apiError) Unwrap() error { return e.err }

// Error codes, also the "reason" label of the rejected-items counter.
const (
	codeUnauthorized  = "unauthorized"
	codeForbidden     = "forbidden"
	codeMalformed     = "malformed"
	codeInvalid       = "invalid"
	codeTooLarge      = "too_large"
	codeUnsupported   = "unsupported_media_type"
	codeInternal      = "internal"
	reasonUnknownAcct = "unknown_account"
	reasonUnknownCSM  = "unknown_csm"
	reasonStored      = "stored"
	reasonDuplicate   = "duplicate"
)

func errUnauthorized(msg string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: msg}
}

func errForbidden(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusForbidden, Code: codeForbidden, Message: fmt.Sprintf(format, args...)}
}

func errMalformed(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: codeMalformed, Message: fmt.Sprintf(format, args...)}
}

func errTooLarge(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusRequestEntityTooLarge, Code: codeTooLarge, Message: fmt.Sprintf(format, args...)}
}

func errInternal(err error) *apiError {
	return &apiError{Status: http.StatusInternalServerError, Code: codeInternal,
		Message: "the intake failed on our side; retry later (nothing was written)", err: err}
}

// errInvalidItems rejects a whole batch because of the items named.
func errInvalidItems(total int, items []ItemError) *apiError {
	return &apiError{
		Status: http.StatusBadRequest, Code: codeInvalid,
		Message: fmt.Sprintf("%d of %d items are invalid; nothing was written", countIndexes(items), total),
		Items:   items,
	}
}

func countIndexes(items []ItemError) int {
	seen := map[int]bool{}
	for _, it := range items {
		seen[it.Index] = true
	}
	return len(seen)
}

// writeJSON writes v with status; encoding errors can only be a broken
// connection, which the client will notice.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="healthbot", Basic realm="healthbot"`)
	}
	writeJSON(w, e.Status, map[string]any{"error": e})
}

// batchFailed turns the outcome of a batch write into the error to answer
// and counts rejected items: each bad item by its reason, the rest of the
// batch as "batch_invalid" (all or nothing).
func (h *Handler) batchFailed(c *call, endpoint string, err error, bad []ItemError) *apiError {
	if err == nil {
		return nil
	}
	var aerr *apiError
	if !errors.As(err, &aerr) {
		return errInternal(err)
	}
	if aerr.Code == codeInvalid {
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
	return aerr
}

// sortItems orders problems by item index, keeping each item's own order.
func sortItems(items []ItemError) []ItemError {
	slices.SortStableFunc(items, func(a, b ItemError) int { return cmp.Compare(a.Index, b.Index) })
	return items
}
