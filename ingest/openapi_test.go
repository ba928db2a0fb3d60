package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest"
)

// contract is the intake's OpenAPI document, loaded and validated once.
var contract = sync.OnceValues(func() (routers.Router, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(ingest.OpenAPI())
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	doc.Servers = nil // match any host: the test server's port is random
	return gorillamux.NewRouter(doc)
})

// conformance wraps the intake so that every request and response of a
// test is checked against openapi.yaml:
//   - every response must be one the document declares for that operation
//     and status, with a body matching its schema;
//   - a request the document rejects must be answered with a 4xx.
//
// Violations are reported through report (t.Errorf in tests).
func conformance(next http.Handler, report func(format string, args ...any)) http.Handler {
	router, err := contract()
	if err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		check := r.Clone(r.Context())
		check.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())

		route, params, err := router.FindRoute(check)
		if err != nil {
			report("%s %s is not in openapi.yaml: %v", r.Method, r.URL.Path, err)
			return
		}
		in := &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		if gz := strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip"); !gz {
			if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil && (rec.Code < 400 || rec.Code >= 500) {
				report("%s %s: the contract rejects the request (%v) but the intake answered %d", r.Method, r.URL.Path, err, rec.Code)
			}
		}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
			Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		out.SetBodyBytes(rec.Body.Bytes())
		if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
			report("%s %s → %d breaks openapi.yaml: %v\nbody: %s", r.Method, r.URL.Path, rec.Code, err, rec.Body.String())
		}
	})
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	_, err := contract()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(ingest.OpenAPI()), "openapi: 3.1."), "the document is OpenAPI 3.1")
}

// The validator catches a response that breaks the contract: a handler that
// answers a success without the documented fields, and one that answers a
// status the document does not declare.
func TestConformanceCatchesBrokenResponses(t *testing.T) {
	t.Parallel()
	for name, broken := range map[string]http.HandlerFunc{
		"missing fields": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"accepted": 1}`)
		},
		"undeclared status": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTeapot)
			_, _ = io.WriteString(w, `{"error": {"code": "internal", "message": "x"}}`)
		},
		"unknown error code": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error": {"code": "oops", "message": "x"}}`)
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var reports []string
			srv := httptest.NewServer(conformance(broken, func(f string, a ...any) { reports = append(reports, fmt.Sprintf(f, a...)) }))
			defer srv.Close()
			resp, err := http.Post(srv.URL+"/v1/signals", "application/json",
				strings.NewReader(`{"signals": [{"account": "acme", "metric": "logins", "value": 3}]}`))
			require.NoError(t, err)
			resp.Body.Close()
			require.NotEmpty(t, reports, "the broken response passed the contract check")
		})
	}
}

// A request the contract rejects but the intake accepted is reported too.
func TestConformanceCatchesAcceptedInvalidRequests(t *testing.T) {
	t.Parallel()
	lenient := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"accepted": 1, "written": 1, "unchanged": 0}`)
	})
	var reports []string
	srv := httptest.NewServer(conformance(lenient, func(f string, a ...any) { reports = append(reports, fmt.Sprintf(f, a...)) }))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/v1/signals", "application/json", strings.NewReader(`{"signals": [{"metric": "logins"}]}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Len(t, reports, 1)
	require.Contains(t, reports[0], "the contract rejects the request")
}
