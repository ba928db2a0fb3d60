package ingest

// ParseSignalsGeneral lets the fuzzers compare ParseSignals's fast path
// with the general one.
var ParseSignalsGeneral = parseSignalsGeneral

// FastSignalsTakes says whether ParseSignals decodes body on its fast path.
func FastSignalsTakes(body []byte, maxItems int) bool {
	_, ok := fastSignals(body, maxItems)
	return ok
}
