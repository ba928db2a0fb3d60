package health_test

import (
	"testing"

	"github.com/healthbot/healthbot/store/storetest"
)

// Main drops the schema storetest.Tx builds; without it every run left one
// behind (about 1,300 relations), and the catalog bloat slowed every later
// test run on the server.
func TestMain(m *testing.M) { storetest.Main(m) }
