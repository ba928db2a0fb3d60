package ingest

import (
	"bytes"
	_ "embed"
	"net/http"
)

// openAPI is the contract of the intake API. The intake tests check every
// request and response they make against it, so it cannot drift from the
// handlers.
//
//go:embed openapi.yaml
var openAPI []byte

// OpenAPI returns the intake's OpenAPI 3.1 document.
func OpenAPI() []byte { return bytes.Clone(openAPI) }

// OpenAPIHandler serves the document; mount it at GET /v1/openapi.yaml.
func OpenAPIHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(openAPI)
	})
}
