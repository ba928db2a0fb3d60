package bot

import (
	"context"
	"sort"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
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
// rebuilds it only when the account table changes.
type Lookup struct {
	store LookupStore

	mu      sync.Mutex
	version string
	idx     *nameIndex
}

// NewLookup makes a Lookup over st.
func NewLookup(st LookupStore) *Lookup { return &Lookup{store: st} }

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
	if l.idx != nil && l.version == v {
		return l.idx, nil
	}
	entries, err := l.store.LookupEntries(ctx)
	if err != nil {
		return nil, err
	}
	l.idx, l.version = newNameIndex(entries), v
	return l.idx, nil
}

// nameIndex is an immutable, folded view of every account name.
type nameIndex struct {
	entries []store.LookupEntry
	keys    []nameKey
	exact   map[string][]int // folded name, compact name, lower domain, lower external id → entries
}

type nameKey struct {
	folded  string   // "acme labs"
	compact []rune   // "acmelabs"
	words   []string // ["acme", "labs"]
	label   string   // first domain label: "acme" for www.acme.com
}

func newNameIndex(entries []store.LookupEntry) *nameIndex {
	idx := &nameIndex{entries: entries, keys: make([]nameKey, len(entries)), exact: make(map[string][]int, 3*len(entries))}
	for i, e := range entries {
		f := foldName(e.Name)
		k := nameKey{folded: f, compact: []rune(strings.ReplaceAll(f, " ", "")), words: strings.Fields(f), label: domainLabel(e.Domain)}
		idx.keys[i] = k
		for _, s := range uniqStrings(f, string(k.compact), strings.ToLower(strings.TrimSpace(e.Domain)), strings.ToLower(strings.TrimSpace(e.ExternalID))) {
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
	for i, k := range x.keys {
		switch {
		case strings.HasPrefix(k.folded, q+" ") || strings.Contains(" "+k.folded+" ", " "+q+" ") || (k.label != "" && k.label == qc):
			strong = append(strong, i)
		case len(qc) >= 3 && (strings.HasPrefix(string(k.compact), qc) || hasWordPrefix(k.words, q)):
			weak = append(weak, i)
		}
	}
	if len(strong)+len(weak) > 0 {
		res.Kind, res.Matches = MatchPartial, x.pick(append(strong, weak...))
		return res
	}
	res.Kind, res.Suggestions = MatchFuzzy, x.fuzzy([]rune(qc), strings.Fields(q))
	return res
}

func hasWordPrefix(words []string, q string) bool {
	for _, w := range words {
		if strings.HasPrefix(w, q) {
			return true
		}
	}
	return false
}

// fuzzy returns the closest names within a typo budget that grows with the
// query's length, best first.
func (x *nameIndex) fuzzy(q []rune, qwords []string) []store.LookupEntry {
	k := maxTypos(len(q))
	type scored struct{ i, d int }
	var found []scored
	for i, key := range x.keys {
		d := k + 1
		if absInt(len(key.compact)-len(q)) <= k {
			d = osaDistance(q, key.compact, k)
		}
		// A typo in the first words of a longer name: "acmee" ~ "Acme Labs".
		for n := len(q) - 1; n <= len(q)+1 && d > 0; n++ {
			if n > 0 && n < len(key.compact) {
				d = min(d, osaDistance(q, key.compact[:n], k)+1)
			}
		}
		if len(qwords) == 1 {
			for _, w := range key.words {
				if wr := []rune(w); len(wr) >= 3 && absInt(len(wr)-len(q)) <= k {
					d = min(d, osaDistance(q, wr, k)+1)
				}
			}
		}
		if key.label != "" {
			if lr := []rune(key.label); absInt(len(lr)-len(q)) <= k {
				d = min(d, osaDistance(q, lr, k)+1)
			}
		}
		if d <= k {
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

// osaDistance is the optimal-string-alignment Damerau–Levenshtein distance between a
// and b, giving up (returning k+1) as soon as it must exceed k.
func osaDistance(a, b []rune, k int) int {
	if absInt(len(a)-len(b)) > k {
		return k + 1
	}
	// Three rolling rows: two back (for transpositions), previous, current.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
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
			return k + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], k+1)
}

var foldChain = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

// foldName lower-cases s, strips accents and turns punctuation into single
// spaces: "  Société Générale, S.A." → "societe generale s a".
func foldName(s string) string {
	t, _, err := transform.String(foldChain, s)
	if err != nil {
		t = s
	}
	var b strings.Builder
	b.Grow(len(t))
	space := false
	for _, r := range t {
		switch {
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
