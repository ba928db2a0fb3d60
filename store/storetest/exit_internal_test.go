package storetest

import "testing"

// No test of this package calls Tx, so Main has no Tx schema to drop and
// must not build one to find out (it used to, a minute at every exit).
func TestMainDropsNoTxSchemaNoTestUsed(t *testing.T) {
	t.Parallel()
	if got := closeShared(); got != nil {
		t.Fatalf("closeShared() = %v, want nothing: no test used Tx", got)
	}
	if sharedUsed.Load() {
		t.Fatal("closeShared built Tx's schema")
	}
}
