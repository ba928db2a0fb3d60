package ask_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/ask"
)

// vocab is a small portfolio's names, like the demo's.
var vocab = ask.Vocab{
	Accounts: []ask.NamedAccount{
		{ID: 1, Name: "Acme Logistics", Domain: "acme.com"},
		{ID: 2, Name: "Globex", Domain: "globex.io"},
		{ID: 3, Name: "Initech Inc", Domain: "initech.com"},
		{ID: 4, Name: "Red Rock Outfitters"},
		{ID: 5, Name: "Umbrella Health"},
		{ID: 6, Name: "Umbrella Pharma"},
		{ID: 7, Name: "Pinnacle Motors", Domain: "pinnaclemotors.com"},
		{ID: 8, Name: "Pinnacle Corp", Domain: "pinnacle.com"},
	},
	Segments: []string{"Enterprise", "Mid-Market", "SMB"},
	Owners:   []string{"Dana Scully", "Fox Mulder", "Will Riker"},
}

func TestParse(t *testing.T) {
	t.Parallel()
	type I = ask.Intent
	cases := []struct {
		q    string
		want ask.Intent
	}{
		// at risk
		{"Which accounts are at risk?", I{Kind: ask.KindAtRisk}},
		{"at-risk accounts", I{Kind: ask.KindAtRisk}},
		{"show me the red accounts", I{Kind: ask.KindAtRisk}},
		{"who is likely to churn", I{Kind: ask.KindAtRisk}},
		{"What customers need attention?", I{Kind: ask.KindAtRisk}},
		{"any accounts in trouble", I{Kind: ask.KindAtRisk}},
		{"at risk in enterprise", I{Kind: ask.KindAtRisk, Segment: "Enterprise"}},
		{"my accounts at risk", I{Kind: ask.KindAtRisk, Mine: true}},
		{"which of Dana's accounts are at risk", I{Kind: ask.KindAtRisk, Owner: "Dana Scully"}},
		// renewals
		{"who renews in the next 30 days?", I{Kind: ask.KindRenewals, Days: 30}},
		{"renewals in 2 weeks", I{Kind: ask.KindRenewals, Days: 14}},
		{"upcoming renewals", I{Kind: ask.KindRenewals, Days: 90}},
		{"Which contracts are up for renewal next quarter?", I{Kind: ask.KindRenewals, Days: 90}},
		{"accounts renewing within three months", I{Kind: ask.KindRenewals, Days: 90}},
		{"renewals at risk this month", I{Kind: ask.KindRenewals, Days: 30, RiskOnly: true}},
		{"what's expiring in 45d", I{Kind: ask.KindRenewals, Days: 45}},
		{"SMB renewals in the next 60 days", I{Kind: ask.KindRenewals, Days: 60, Segment: "SMB"}},
		{"which accounts will renew next year", I{Kind: ask.KindRenewals, Days: 365}},
		// movers
		{"biggest drops", I{Kind: ask.KindMovers, Days: 7}},
		{"Which accounts dropped the most this month?", I{Kind: ask.KindMovers, Days: 28}},
		{"who is trending down", I{Kind: ask.KindMovers, Days: 7}},
		{"which accounts improved the most over 4 weeks", I{Kind: ask.KindMovers, Days: 28, Rising: true}},
		{"movers this week", I{Kind: ask.KindMovers, Days: 7}},
		// segments and portfolio
		{"how is enterprise doing", I{Kind: ask.KindSegment, Segment: "Enterprise"}},
		{"Mid-market health?", I{Kind: ask.KindSegment, Segment: "Mid-Market"}},
		{"how are our SMB customers", I{Kind: ask.KindSegment, Segment: "SMB"}},
		{"portfolio overview", I{Kind: ask.KindPortfolio}},
		{"how are we doing overall?", I{Kind: ask.KindPortfolio}},
		// one account
		{"how is acme doing", I{Kind: ask.KindAccount, AccountID: 1, Account: "Acme Logistics"}},
		{"What's up with Globex?", I{Kind: ask.KindAccount, AccountID: 2, Account: "Globex"}},
		{"is initech at risk?", I{Kind: ask.KindAccount, AccountID: 3, Account: "Initech Inc"}},
		{"tell me about ACME LOGISTICS", I{Kind: ask.KindAccount, AccountID: 1, Account: "Acme Logistics"}},
		{"when does acme.com renew", I{Kind: ask.KindAccount, AccountID: 1, Account: "Acme Logistics"}},
		{"how is Red Rock Outfitters doing", I{Kind: ask.KindAccount, AccountID: 4, Account: "Red Rock Outfitters"}},
		{"how is umbrella pharma doing", I{Kind: ask.KindAccount, AccountID: 6, Account: "Umbrella Pharma"}},
		{"how is hooli doing?", I{Kind: ask.KindAccount, Account: "hooli"}},
		{"how is pinnacle doing?", I{Kind: ask.KindAccount, Account: "pinnacle"}}, // two Pinnacles: looked up, then a choice
		{"how is pinnacle motors doing?", I{Kind: ask.KindAccount, AccountID: 7, Account: "Pinnacle Motors"}},
		{"is pinnacle corp ok", I{Kind: ask.KindAccount, AccountID: 8, Account: "Pinnacle Corp"}},
		{"umbrella health", I{Kind: ask.KindAccount, AccountID: 5, Account: "Umbrella Health"}},
		// owners
		{"Fox Mulder's accounts", I{Kind: ask.KindOwner, Owner: "Fox Mulder"}},
		{"show my accounts", I{Kind: ask.KindOwner, Mine: true}},
		{"which accounts will Will handle", I{Kind: ask.KindUnknown}}, // a first name alone is not an owner
		// help, unknown, off-topic
		{"", I{Kind: ask.KindHelp}},
		{"what can you do?", I{Kind: ask.KindHelp}},
		{"which accounts have the most seats per admin?", I{Kind: ask.KindUnknown}},
		{"what's the weather in Paris?", I{Kind: ask.KindOffTopic}},
		{"tell me a joke", I{Kind: ask.KindOffTopic}},
		{"write me a python script to sort a list", I{Kind: ask.KindOffTopic}},
		{"who won the football last night", I{Kind: ask.KindOffTopic}},
		{"what is the capital of France", I{Kind: ask.KindOffTopic}},
		{"what was the score of the game?", I{Kind: ask.KindOffTopic}},
		{"asdf qwerty", I{Kind: ask.KindOffTopic}},
	}
	for _, c := range cases {
		got := ask.Parse(c.q, vocab)
		require.Equal(t, c.want, got, "%q parsed as %s", c.q, got.Kind)
	}
	require.GreaterOrEqual(t, len(cases), 20)
}

// BenchmarkParse5000 parses one question against the largest vocabulary
// the store hands the parser (5,000 account names).
func BenchmarkParse5000(b *testing.B) {
	words := []string{"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Soylent", "Hooli", "Vandelay"}
	kinds := []string{"Logistics", "Health", "Media", "Retail", "Capital", "Labs", "Foods", "Motors", "Travel", "Security"}
	v := ask.Vocab{Segments: []string{"Enterprise", "Mid-Market", "SMB"}, Owners: []string{"Dana Scully", "Fox Mulder"}}
	for i := range 5000 {
		name := words[i%10] + " " + kinds[(i/10)%10]
		if i >= 100 {
			name += " " + string(rune('A'+i%26)) + string(rune('a'+(i/26)%26)) + string(rune('a'+(i/676)%26))
		}
		v.Accounts = append(v.Accounts, ask.NamedAccount{ID: int64(i + 1), Name: name})
	}
	b.ReportAllocs()
	for b.Loop() {
		if it := ask.Parse("how is stark media doing this month?", v); it.Kind != ask.KindAccount {
			b.Fatalf("parsed as %s", it.Kind)
		}
	}
}
