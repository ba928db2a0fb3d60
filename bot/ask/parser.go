package ask

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// Kind is what the built-in parser understood a question to ask.
type Kind int

const (
	KindUnknown   Kind = iota // about accounts, but not something the parser knows
	KindOffTopic              // not about accounts at all
	KindHelp                  // empty, or "what can you do"
	KindAtRisk                // red accounts
	KindRenewals              // renewing within Days
	KindMovers                // biggest drops (or gains, Rising) over Days
	KindSegment               // one segment's health
	KindPortfolio             // the whole portfolio by segment
	KindAccount               // one account
	KindOwner                 // one owner's (or my) accounts
)

var kindNames = [...]string{"unknown", "off-topic", "help", "at-risk", "renewals", "movers", "segment", "portfolio", "account", "owner"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Intent is a parsed question.
type Intent struct {
	Kind      Kind
	Days      int    // renewals: window; movers: 7 or 28
	Rising    bool   // movers: biggest gains instead of drops
	RiskOnly  bool   // renewals: only red and yellow accounts
	Segment   string // a segment named in the question (canonical spelling)
	Mine      bool   // "my accounts"
	Owner     string // a CSM named in the question (canonical spelling)
	AccountID int64  // KindAccount: the account named, when the vocabulary knew it
	Account   string // KindAccount: its canonical name, or the phrase to look up
}

// answerable reports whether the built-in answers can handle the intent.
func (it Intent) answerable() bool {
	return it.Kind != KindUnknown && it.Kind != KindOffTopic && it.Kind != KindHelp
}

// Vocab is what the parser recognises by name.
type Vocab struct {
	Accounts []NamedAccount
	Segments []string
	Owners   []string
}

// NamedAccount is an account the parser can spot in a question.
type NamedAccount struct {
	ID     int64
	Name   string
	Domain string
}

// phrase lists, matched on normalised text (lower case, words separated by
// single spaces, so "at-risk" is "at risk").
var (
	riskWords = []string{
		"at risk", "risk", "risky", "in the red", "red", "churn", "churning", "churn risk", "likely to churn",
		"in trouble", "trouble", "unhealthy", "struggling", "worst", "lowest", "need attention", "needs attention",
		"in danger", "danger", "bad shape", "poor health", "failing", "sick", "worried about", "worry about",
	}
	renewalWords = []string{
		"renew", "renews", "renewal", "renewals", "renewing", "renewed", "up for renewal", "contract end",
		"contracts end", "contracts ending", "contract ending", "expiring", "expire", "expires", "coming up for",
	}
	dropWords = []string{
		"drop", "drops", "dropped", "dropping", "decline", "declined", "declining", "fall", "fell", "falling",
		"went down", "gone down", "going down", "worse", "worsening", "getting worse", "trending down", "slipping",
		"slipped", "decrease", "decreased", "lost the most", "lost", "movers", "moved", "biggest changes", "down the most",
	}
	riseWords = []string{
		"improve", "improved", "improving", "improvement", "rise", "rose", "rising", "went up", "gone up",
		"going up", "getting better", "better", "trending up", "gains", "gained", "gainers", "climbing", "climbed",
		"increase", "increased", "up the most", "grew", "growing",
	}
	portfolioWords = []string{
		"portfolio", "overall", "overview", "summary", "summarise", "summarize", "how are we doing",
		"how are things", "distribution", "all accounts", "all our accounts", "breakdown", "big picture",
		"state of", "health check", "how healthy",
	}
	helpWords = []string{
		"help", "what can you do", "what can i ask", "what do you know", "how do i use", "commands", "examples",
	}
	mineWords = []string{"my", "mine", "i own", "i manage", "assigned to me", "owned by me"}
	// domainWords mark a question as being about accounts at all.
	domainWords = []string{
		"account", "accounts", "customer", "customers", "client", "clients", "health", "healthy", "score",
		"scores", "scoring", "band", "bands", "mrr", "arr", "revenue", "csm", "csms", "owner", "owners", "owns",
		"segment", "segments", "pulse", "pulses", "alert", "alerts", "usage", "adoption", "green", "yellow",
		"contract", "contracts", "seats", "licence", "licences", "license", "licenses", "nps", "csat", "tickets",
		"support", "logo", "logos", "upsell", "expansion", "champion", "admin", "admins", "onboarding",
	}
	// offTopicWords mark a question as not about accounts, unless it names one.
	offTopicWords = []string{
		"weather", "joke", "jokes", "poem", "poetry", "recipe", "cook", "python", "javascript", "golang",
		"java", "sql query", "write code", "code", "function", "script", "regex", "capital of", "who won",
		"football", "soccer", "movie", "movies", "song", "lyrics", "translate", "stock price", "bitcoin",
		"news", "president", "prime minister", "meaning of life", "horoscope", "game", "sports",
	}
	// nameStopwords may not stand alone for an account name.
	nameStopwords = []string{
		"the", "and", "inc", "corp", "company", "group", "labs", "systems", "global", "international",
		"solutions", "technologies", "software", "services", "partners", "holdings", "health", "account",
		"customer", "digital", "data", "cloud", "north", "south", "east", "west", "first", "united", "general",
		"best", "next", "this", "that", "what", "which", "who", "how", "with", "about", "risk", "renewal",
	}
	nameSuffixes = []string{"inc", "inc.", "corp", "corp.", "corporation", "ltd", "ltd.", "llc", "gmbh", "co", "co.", "plc", "sa", "ag", "bv", "limited", "company"}
)

var (
	windowRE = regexp.MustCompile(`\b(\d{1,4}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|next|this|coming)\s*(d|days?|w|wks?|weeks?|m|mo|mos|months?|q|quarters?|y|yrs?|years?)\b`)
	// askedAbout captures the account in "how is X doing", "tell me about X", …
	askedAbout = []*regexp.Regexp{
		regexp.MustCompile(`^(?:how is|how s|hows|how are|how about|how has|how have)\s+(.+?)\s+(?:doing|going|looking|performing|trending|been doing|been)(?:\s.*)?$`),
		regexp.MustCompile(`^(?:tell me about|what about|whats up with|what s up with|what is up with|status of|health of|score of|score for|update on|news on|details on|details for|info on|lookup|look up|show me|show)\s+(.+)$`),
		regexp.MustCompile(`^(?:is|are)\s+(.+?)\s+(?:ok|okay|healthy|at risk|fine|in trouble|red|green|yellow|doing well|doing ok)$`),
		regexp.MustCompile(`^(.+?)\s+(?:health|score|status)$`),
	}
)

var numberWords = map[string]int{"a": 1, "an": 1, "one": 1, "next": 1, "this": 1, "coming": 1, "two": 2, "three": 3, "four": 4, "five": 5,
	"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}

// Parse classifies a question using the names in v. It is pure: the same
// text and vocabulary always give the same intent.
func Parse(text string, v Vocab) Intent {
	n := normalize(text)
	if n == "" {
		return Intent{Kind: KindHelp}
	}
	padded := " " + n + " "
	it := Intent{
		Mine:    hasAny(padded, mineWords),
		Segment: findName(padded, v.Segments),
		Owner:   findOwner(padded, v.Owners),
	}
	acct, acctOK := findAccount(padded, v.Accounts, it.Segment)
	entity := acctOK || it.Segment != "" || it.Owner != ""

	if !entity && hasAny(padded, offTopicWords) {
		return Intent{Kind: KindOffTopic}
	}
	risk, renew := hasAny(padded, riskWords), hasAny(padded, renewalWords)
	drop, rise := hasAny(padded, dropWords), hasAny(padded, riseWords)
	switch {
	case renew && !acctOK:
		it.Kind, it.Days, it.RiskOnly = KindRenewals, window(n, 90), risk
	case acctOK:
		it.Kind, it.AccountID, it.Account = KindAccount, acct.ID, acct.Name
	case drop || rise:
		it.Kind, it.Rising = KindMovers, rise && !drop
		it.Days = 7
		if d := window(n, 7); d >= 28 {
			it.Days = 28
		}
	case risk:
		it.Kind = KindAtRisk
	case it.Segment != "":
		it.Kind = KindSegment
	case hasAny(padded, portfolioWords):
		it.Kind = KindPortfolio
	case it.Owner != "" || it.Mine && hasAny(padded, []string{"account", "accounts", "customers", "book"}):
		it.Kind = KindOwner
	case hasAny(padded, helpWords):
		it.Kind = KindHelp
	default:
		if phrase := askedAboutPhrase(n); phrase != "" {
			return Intent{Kind: KindAccount, Account: phrase}
		}
		if hasAny(padded, domainWords) {
			return Intent{Kind: KindUnknown}
		}
		return Intent{Kind: KindOffTopic}
	}
	return it
}

// normalize lower-cases text and keeps only letters and digits, single
// spaces between words ("What's at-risk?" → "what s at risk").
func normalize(s string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

// hasAny reports whether padded (" text ") contains any phrase as whole words.
func hasAny(padded string, phrases []string) bool {
	for _, p := range phrases {
		if strings.Contains(padded, " "+p+" ") {
			return true
		}
	}
	return false
}

// findName returns the longest of names found in padded, as spelt in names.
func findName(padded string, names []string) string {
	best := ""
	for _, name := range names {
		k := normalize(name)
		if k != "" && strings.Contains(padded, " "+k+" ") && len(k) > len(normalize(best)) {
			best = name
		}
	}
	return best
}

// findOwner spots a CSM by full name anywhere, or by a first name that only
// one CSM has when it reads as an owner: "dana's", "owned by dana", "for dana".
func findOwner(padded string, owners []string) string {
	if o := findName(padded, owners); o != "" {
		return o
	}
	firstName := func(o string) string {
		if f := strings.Fields(normalize(o)); len(f) > 1 && len(f[0]) >= 3 {
			return f[0]
		}
		return ""
	}
	count := map[string]int{}
	for _, o := range owners {
		count[firstName(o)]++
	}
	for _, o := range owners {
		f := firstName(o)
		if f == "" || count[f] != 1 {
			continue
		}
		for _, form := range []string{" " + f + " s ", " by " + f + " ", " for " + f + " ", " of " + f + " "} {
			if strings.Contains(padded, form) {
				return o
			}
		}
	}
	return ""
}

// findAccount spots an account by full name, by name without its legal
// suffix, or by a distinctive single word — its first word or its domain's
// ("acme" for "Acme Logistics", acme.com) — that no other account shares.
// The longest match wins; a match that is only the segment's name does not
// count.
func findAccount(padded string, accounts []NamedAccount, segment string) (NamedAccount, bool) {
	keys := make([][]string, len(accounts))
	owners := map[string]map[int64]bool{} // single-word key → accounts it could mean
	for i, a := range accounts {
		keys[i] = nameKeys(a)
		for _, k := range keys[i] {
			if !strings.Contains(k, " ") {
				if owners[k] == nil {
					owners[k] = map[int64]bool{}
				}
				owners[k][a.ID] = true
			}
		}
	}
	seg := normalize(segment)
	var best NamedAccount
	bestLen := 0
	for i, a := range accounts {
		for _, k := range keys[i] {
			ambiguous := !strings.Contains(k, " ") && len(owners[k]) > 1
			if ambiguous || k == seg || len(k) <= bestLen || !containsWord(padded, k) {
				continue
			}
			best, bestLen = a, len(k)
		}
	}
	return best, bestLen > 0
}

// nameKeys are the normalised ways a question may name an account.
func nameKeys(a NamedAccount) []string {
	full := normalize(a.Name)
	keys := []string{full}
	words := strings.Fields(full)
	if len(words) > 1 && slices.Contains(nameSuffixes, words[len(words)-1]) {
		keys = append(keys, strings.Join(words[:len(words)-1], " "))
	}
	if len(words) > 1 && len(words[0]) >= 4 {
		keys = append(keys, words[0])
	}
	if d := strings.Fields(normalize(a.Domain)); len(d) > 1 && len(d[0]) >= 4 {
		keys = append(keys, d[0], strings.Join(d, " "))
	}
	out := keys[:0]
	for _, k := range keys {
		if len(k) >= 3 && !slices.Contains(out, k) && (strings.Contains(k, " ") || distinctive(k)) {
			out = append(out, k)
		}
	}
	return out
}

// distinctive words can name an account on their own.
func distinctive(w string) bool { return !commonWords()[w] }

// commonWords are the parser's own vocabulary and filler: never an account
// name by themselves. Built once, read only.
var commonWords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, list := range [][]string{nameStopwords, riskWords, renewalWords, dropWords, riseWords, portfolioWords, domainWords, mineWords, helpWords} {
		for _, w := range list {
			m[w] = true
		}
	}
	return m
})

// containsWord reports whether padded (" text ") holds key as whole words,
// without building " key ".
func containsWord(padded, key string) bool {
	for i := 0; ; {
		j := strings.Index(padded[i:], key)
		if j < 0 {
			return false
		}
		at := i + j
		if padded[at-1] == ' ' && at+len(key) < len(padded) && padded[at+len(key)] == ' ' {
			return true
		}
		i = at + 1
	}
}

// window reads a time window in days ("next 30 days", "2 weeks", "this
// quarter"), or def; at most two years.
func window(n string, def int) int {
	m := windowRE.FindStringSubmatch(n)
	if m == nil {
		return def
	}
	count, ok := numberWords[m[1]]
	if !ok {
		count, _ = strconv.Atoi(m[1])
	}
	unit := 1
	switch m[2][0] {
	case 'w':
		unit = 7
	case 'm':
		unit = 30
	case 'q':
		unit = 90
	case 'y':
		unit = 365
	}
	if count <= 0 {
		return def
	}
	return min(count*unit, 730)
}

// askedAboutPhrase is the X of "how is X doing" when X is not a domain word.
func askedAboutPhrase(n string) string {
	for _, re := range askedAbout {
		m := re.FindStringSubmatch(n)
		if m == nil {
			continue
		}
		phrase := strings.TrimPrefix(strings.TrimSpace(m[1]), "the ")
		if phrase == "" || hasAny(" "+phrase+" ", domainWords) || hasAny(" "+phrase+" ", mineWords) ||
			hasAny(" "+phrase+" ", []string{"we", "you", "i", "things", "it", "everything", "everyone", "they"}) {
			return ""
		}
		return phrase
	}
	return ""
}
