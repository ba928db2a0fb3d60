package bot_test

import "github.com/healthbot/healthbot/scoring"

func scoringAccount(name string) scoring.Account {
	return scoring.Account{Name: name, ExternalID: "x-" + name, Segment: "SMB"}
}
