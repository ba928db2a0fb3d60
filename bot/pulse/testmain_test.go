package pulse_test

import (
	"testing"

	"github.com/healthbot/healthbot/store/storetest"
)

// TestMain drops the schema storetest.Tx used once the tests end.
func TestMain(m *testing.M) { storetest.Main(m) }
