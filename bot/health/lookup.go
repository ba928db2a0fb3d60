package health

import (
	"context"
	"math/bits"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/healthbot/healthbot/store"
)

// LookupStore is what account lookup reads.
type LookupStore interface {
	LookupEntries(ctx context.Context) ([]store.LookupEntry, error)
	LookupVersion(ctx context.Context) (string, error)
}

// Lookup finds accounts by name, domain or external id, ignoring case and
// accents and forgiving typos. It keeps the folded name list in memory and
// rebuilds it when an account is added or changed, and at least every
// LookupMaxAge (to forget deleted accounts).
type Lookup struct {
	store LookupStore
	now   func() time.Time

	mu      sync.Mutex
	version string
	built   time.Time
	idx     *nameIndex
}

// LookupMaxAge is how long a name index is trusted without a full reload.
const LookupMaxAge = time.Minute

// NewLookup makes a Lookup over st; now is its clock (time.Now if nil).
func NewLookup(st LookupStore, now func() time.Time) *Lookup {
	if now == nil {
		now = time.Now
	}
	return &Lookup{store: st, now: now}
}

// MatchKind says how strongly an account matched.
type MatchKind int

const (
	MatchExact   MatchKind = iota // whole name, domain or external id
	MatchPartial                  // a word-prefix of the name, the domain's first label, a name prefix
	MatchFuzzy                    // within a few typos
)

// LookupResult is what a query matched. Matches holds the exact matches if
// there are any, else the partial ones; Suggestions holds close (fuzzy)
// matches when nothing matched better.
type LookupResult struct {
	Query       string
	Kind        MatchKind // of Matches
	Matches     []store.LookupEntry
	Suggestions []store.LookupEntry
}

// One returns the single matching account, if exactly one matched.
func (r LookupResult) One() (store.LookupEntry, bool) {
	if len(r.Matches) == 1 {
		return r.Matches[0], true
	}
	return store.LookupEntry{}, false
}

// MaxSuggestions bounds the close matches offered for an unknown name.
const MaxSuggestions = 5

// Find looks query up.
func (l *Lookup) Find(ctx context.Context, query string) (LookupResult, error) {
	idx, err := l.index(ctx)
	if err != nil {
		return LookupResult{}, err
	}
	return idx.find(query), nil
}

func (l *Lookup) index(ctx context.Context) (*nameIndex, error) {
	v, err := l.store.LookupVersion(ctx)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.idx != nil && l.version == v && now.Sub(l.built) < LookupMaxAge {
		return l.idx, nil
	}
	entries, err := l.store.LookupEntries(ctx)
	if err != nil {
		return nil, err
	}
	l.idx, l.version, l.built = newNameIndex(entries), v, now
	return l.idx, nil
}

// nameIndex is an immutable, folded view of every account name.
type nameIndex struct {
	entries []store.LookupEntry
	keys    []nameKey
	exact   map[string][]int // folded name, compact name, lower domain, lower external id → entries
}

type nameKey struct {
	padded  string   // " acme labs ", for whole-word matches
	compact string   // "acmelabs"
	crunes  []rune   // compact as runes
	words   []string // ["acme", "labs"]
	wrunes  [][]rune // words of three runes or more
	label   string   // first domain label: "acme" for www.acme.com
	lrunes  []rune
	grams   bigrams // of compact, words and label: a cheap similarity pre-filter
}

func newNameIndex(entries []store.LookupEntry) *nameIndex {
	idx := &nameIndex{entries: entries, keys: make([]nameKey, len(entries)), exact: make(map[string][]int, 3*len(entries))}
	for i, e := range entries {
		f := foldName(e.Name)
		k := nameKey{padded: " " + f + " ", compact: strings.ReplaceAll(f, " ", ""), words: strings.Fields(f), label: domainLabel(e.Domain)}
		k.crunes, k.lrunes = []rune(k.compact), []rune(k.label)
		k.grams.add(k.crunes)
		k.grams.add(k.lrunes)
		for _, w := range k.words {
			if wr := []rune(w); len(wr) >= 3 {
				k.wrunes = append(k.wrunes, wr)
			}
		}
		idx.keys[i] = k
		for _, s := range uniqStrings(f, k.compact, strings.ToLower(strings.TrimSpace(e.Domain)), strings.ToLower(strings.TrimSpace(e.ExternalID))) {
			if s != "" {
				idx.exact[s] = append(idx.exact[s], i)
			}
		}
	}
	return idx
}

func (x *nameIndex) find(query string) LookupResult {
	res := LookupResult{Query: strings.TrimSpace(query)}
	q := foldName(query)
	if q == "" {
		return res
	}
	qc := strings.ReplaceAll(q, " ", "")
	raw := strings.ToLower(res.Query)
	var hits []int
	for _, s := range uniqStrings(q, qc, raw) {
		hits = append(hits, x.exact[s]...)
	}
	if hits = uniqIdx(hits); len(hits) > 0 {
		res.Kind, res.Matches = MatchExact, x.pick(hits)
		return res
	}
	var strong, weak []int
	word, prefix := " "+q+" ", " "+q
	for i, k := range x.keys {
		switch {
		case strings.HasPrefix(k.padded, word) || strings.Contains(k.padded, word) || (k.label != "" && k.label == qc):
			strong = append(strong, i)
		case len(qc) >= 3 && (strings.HasPrefix(k.compact, qc) || strings.Contains(k.padded, prefix)):
			weak = append(weak, i)
		}
	}
	if len(strong)+len(weak) > 0 {
		res.Kind, res.Matches = MatchPartial, x.pick(append(strong, weak...))
		return res
	}
	res.Kind, res.Suggestions = MatchFuzzy, x.fuzzy([]rune(qc), len(strings.Fields(q)))
	return res
}

// fuzzy returns the closest names within a typo budget that grows with the
// query's length, best first. A name is measured exactly only if it shares
// enough letter pairs with the query: one typo removes at most three of the
// query's pairs, so a name sharing fewer than pairs(q) − 3k cannot be
// within k typos of any part of it.
func (x *nameIndex) fuzzy(q []rune, qwords int) []store.LookupEntry {
	k := maxTypos(len(q))
	var qg bigrams
	qg.add(q)
	need := qg.count() - 3*k
	type scored struct{ i, d int }
	var found []scored
	buf := newOSABuffer(len(q) + 2)
	for i := range x.keys {
		key := &x.keys[i]
		if need > 0 && qg.overlap(&key.grams) < need {
			continue
		}
		if d := x.distance(q, qwords, key, k, buf); d <= k {
			found = append(found, scored{i, d})
		}
	}
	sort.SliceStable(found, func(a, b int) bool {
		if found[a].d != found[b].d {
			return found[a].d < found[b].d
		}
		return x.entries[found[a].i].Name < x.entries[found[b].i].Name
	})
	if len(found) > MaxSuggestions {
		found = found[:MaxSuggestions]
	}
	out := make([]store.LookupEntry, len(found))
	for j, f := range found {
		out[j] = x.entries[f.i]
	}
	return out
}

// distance is how many typos separate q from a name: the whole name, the
// start of a longer name (one extra), one of its words or its domain label
// (one extra). Anything over k is k+1.
func (x *nameIndex) distance(q []rune, qwords int, key *nameKey, k int, buf *osaBuffer) int {
	d := k + 1
	if absInt(len(key.crunes)-len(q)) <= k {
		d = buf.distance(q, key.crunes, k)
	}
	// A typo in the first words of a longer name: "acmee" ~ "Acme Labs".
	for n := len(q) - 1; n <= len(q)+1 && d > 1; n++ {
		if n > 0 && n < len(key.crunes) {
			d = min(d, buf.distance(q, key.crunes[:n], k)+1)
		}
	}
	if qwords == 1 {
		for _, wr := range key.wrunes {
			if d > 1 && absInt(len(wr)-len(q)) <= k {
				d = min(d, buf.distance(q, wr, k)+1)
			}
		}
	}
	if d > 1 && len(key.lrunes) > 0 && absInt(len(key.lrunes)-len(q)) <= k {
		d = min(d, buf.distance(q, key.lrunes, k)+1)
	}
	return d
}

// bigrams is a 256-bit set of hashed letter pairs.
type bigrams [4]uint64

func (g *bigrams) add(rs []rune) {
	for i := 0; i+1 < len(rs); i++ {
		h := (uint32(rs[i])*0x9E3779B1 ^ uint32(rs[i+1])*0x85EBCA77) >> 24
		g[h>>6] |= 1 << (h & 63)
	}
}

// count is how many pairs g holds.
func (g *bigrams) count() int {
	return bits.OnesCount64(g[0]) + bits.OnesCount64(g[1]) + bits.OnesCount64(g[2]) + bits.OnesCount64(g[3])
}

// overlap counts the pairs of g also in o.
func (g *bigrams) overlap(o *bigrams) int {
	return bits.OnesCount64(g[0]&o[0]) + bits.OnesCount64(g[1]&o[1]) + bits.OnesCount64(g[2]&o[2]) + bits.OnesCount64(g[3]&o[3])
}

func maxTypos(n int) int {
	switch {
	case n <= 4:
		return 1
	case n <= 8:
		return 2
	}
	return 3
}

// pick returns the entries for ids, live accounts first, then by name.
func (x *nameIndex) pick(ids []int) []store.LookupEntry {
	out := make([]store.LookupEntry, 0, len(ids))
	for _, i := range uniqIdx(ids) {
		out = append(out, x.entries[i])
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Churned != out[b].Churned {
			return !out[a].Churned
		}
		return strings.ToLower(out[a].Name) < strings.ToLower(out[b].Name)
	})
	return out
}

// osaBuffer holds the rows of the typo-distance table, reused across names.
type osaBuffer struct{ prev2, prev, cur []int }

func newOSABuffer(n int) *osaBuffer {
	return &osaBuffer{prev2: make([]int, 0, n+64), prev: make([]int, 0, n+64), cur: make([]int, 0, n+64)}
}

// distance is the optimal-string-alignment Damerau–Levenshtein distance
// between a and b, giving up (returning k+1) as soon as it must exceed k.
func (o *osaBuffer) distance(a, b []rune, k int) int {
	if absInt(len(a)-len(b)) > k {
		return k + 1
	}
	prev2, prev, cur := o.prev2[:0], o.prev[:0], o.cur[:0]
	for j := 0; j <= len(b); j++ {
		prev2, prev, cur = append(prev2, 0), append(prev, j), append(cur, 0)
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > k {
			o.keep(prev2, prev, cur)
			return k + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	d := min(prev[len(b)], k+1)
	o.keep(prev2, prev, cur)
	return d
}

// keep stores grown rows for the next call.
func (o *osaBuffer) keep(a, b, c []int) { o.prev2, o.prev, o.cur = a, b, c }

// foldName lower-cases s, strips accents and turns punctuation into single
// spaces: "  Société Générale, S.A." → "societe generale s a". It is safe
// for concurrent use (norm.Form is stateless; a transform.Chain is not).
func foldName(s string) string {
	t := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(t))
	space := false
	for _, r := range t {
		switch {
		case unicode.Is(unicode.Mn, r): // an accent split off by NFD
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// domainLabel is a domain's first label: "www.acme.co.uk" → "acme".
func domainLabel(domain string) string {
	d := strings.ToLower(strings.TrimSpace(domain))
	d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
	d = strings.TrimPrefix(d, "www.")
	label, _, _ := strings.Cut(d, ".")
	return strings.ReplaceAll(foldName(label), " ", "")
}

func uniqStrings(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		dup := false
		for _, o := range out {
			dup = dup || o == s
		}
		if !dup {
			out = append(out, s)
		}
	}
	return out
}

func uniqIdx(xs []int) []int {
	seen := make(map[int]bool, len(xs))
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func absInt(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// ByDomain finds the live account whose domain is host or a parent of it
// (app.acme.com → acme.com; "www." ignored), exactly, never by a fuzzy
// match: an unfurl must not show the wrong customer's health.
func (l *Lookup) ByDomain(ctx context.Context, host string) (store.LookupEntry, bool, error) {
	idx, err := l.index(ctx)
	if err != nil {
		return store.LookupEntry{}, false, err
	}
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	for host != "" && strings.Contains(host, ".") {
		var found []store.LookupEntry
		for _, i := range idx.exact[host] {
			e := idx.entries[i]
			if strings.EqualFold(strings.TrimPrefix(strings.TrimSpace(e.Domain), "www."), host) && !e.Churned {
				found = append(found, e)
			}
		}
		if len(found) == 1 {
			return found[0], true, nil
		}
		if len(found) > 1 {
			return store.LookupEntry{}, false, nil // two accounts share the domain: do not guess
		}
		_, host, _ = strings.Cut(host, ".")
	}
	return store.LookupEntry{}, false, nil
}

// ByURL finds the account a link points to: its CRM record (the link
// starts with the account's crm_url attribute) or, failing that, its
// domain (see ByDomain). Exact matches only.
func (l *Lookup) ByURL(ctx context.Context, raw string) (store.LookupEntry, bool, error) {
	link, err := url.Parse(raw)
	if err != nil || link.Hostname() == "" {
		return store.LookupEntry{}, false, nil
	}
	idx, err := l.index(ctx)
	if err != nil {
		return store.LookupEntry{}, false, err
	}
	want := comparableURL(link)
	var found []store.LookupEntry
	for _, e := range idx.entries {
		if e.CRMURL == "" || e.Churned {
			continue
		}
		crm, err := url.Parse(strings.TrimSpace(e.CRMURL))
		if err != nil || crm.Hostname() == "" {
			continue
		}
		if c := comparableURL(crm); want == c || strings.HasPrefix(want, c+"/") || strings.HasPrefix(want, c+"?") {
			found = append(found, e)
		}
	}
	if len(found) == 1 {
		return found[0], true, nil
	}
	if len(found) > 1 {
		return store.LookupEntry{}, false, nil
	}
	return l.ByDomain(ctx, link.Hostname())
}

// comparableURL is host (without www.) + path (without a trailing slash)
// + query, lower-cased host: how two links to one record compare.
func comparableURL(u *url.URL) string {
	s := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.") + strings.TrimSuffix(u.EscapedPath(), "/")
	if u.RawQuery != "" {
		s += "?" + u.RawQuery
	}
	return s
}
