package bot_test

import (
	"time"

	"github.com/healthbot/healthbot/scoring"
)

func scoringAccount(name string) scoring.Account {
	return scoring.Account{Name: name, ExternalID: "x-" + name, Segment: "SMB"}
}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}
