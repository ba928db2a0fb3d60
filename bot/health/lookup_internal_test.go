package health

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/healthbot/healthbot/store"
)

// The bigram pre-filter must not lose a name the exact typo distance would
// accept: compare it with measuring every name, on 2,000 similar names.
func TestLookupPrefilterKeepsCloseNames(t *testing.T) {
	t.Parallel()
	pre := []string{"North", "South", "Blue", "Red", "Silver", "Golden", "Bright", "Swift", "Iron", "Clear",
		"Green", "Quantum", "Atlas", "Nova", "Polar", "Summit", "River", "Cedar", "Maple", "Pine"}
	core := []string{"Logistics", "Analytics", "Robotics", "Health", "Foods", "Energy", "Media", "Finance", "Systems", "Software"}
	entries := make([]store.LookupEntry, 0, 2_000)
	for i := range 2_000 {
		entries = append(entries, store.LookupEntry{ID: int64(i + 1),
			Name: fmt.Sprintf("%s %s %d", pre[i%20], core[(i/20)%10], i/200), Domain: fmt.Sprintf("d%d.example.com", i)})
	}
	x := newNameIndex(entries)
	rng := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		q := []rune(foldName(entries[rng.IntN(len(entries))].Name))
		i := 1 + rng.IntN(len(q)-2)
		switch rng.IntN(3) {
		case 0:
			q[i], q[i+1] = q[i+1], q[i]
		case 1:
			q = append(q[:i:i], q[i+1:]...)
		default:
			q[i] = 'x'
		}
		qc := []rune(string(slices.DeleteFunc(slices.Clone(q), func(r rune) bool { return r == ' ' })))
		got := x.fuzzy(qc, 3)
		want := bruteFuzzy(x, qc, 3)
		if len(got) != len(want) {
			t.Fatalf("%q: pre-filtered %d suggestions, exhaustive %d", string(q), len(got), len(want))
		}
		for j := range got {
			if got[j].ID != want[j].ID {
				t.Fatalf("%q: suggestion %d is %q, exhaustive search says %q", string(q), j, got[j].Name, want[j].Name)
			}
		}
	}
}

func bruteFuzzy(x *nameIndex, q []rune, qwords int) []store.LookupEntry {
	k := maxTypos(len(q))
	buf := newOSABuffer(len(q))
	type scored struct{ i, d int }
	var found []scored
	for i := range x.keys {
		if d := x.distance(q, qwords, &x.keys[i], k, buf); d <= k {
			found = append(found, scored{i, d})
		}
	}
	slices.SortStableFunc(found, func(a, b scored) int {
		if a.d != b.d {
			return a.d - b.d
		}
		switch na, nb := x.entries[a.i].Name, x.entries[b.i].Name; {
		case na < nb:
			return -1
		case na > nb:
			return 1
		}
		return 0
	})
	out := []store.LookupEntry{}
	for j := 0; j < len(found) && j < MaxSuggestions; j++ {
		out = append(out, x.entries[found[j].i])
	}
	return out
}

func TestOSADistance(t *testing.T) {
	t.Parallel()
	buf := newOSABuffer(4)
	for _, tt := range []struct {
		a, b    string
		k, want int
	}{
		{"acme", "acme", 2, 0}, {"acme", "acmee", 2, 1}, {"acme", "amce", 2, 1}, {"ca", "abc", 3, 3},
		{"kitten", "sitting", 3, 3}, {"kitten", "sitting", 2, 3}, {"", "abc", 5, 3}, {"globex", "glbex", 1, 1},
		{"a long name here", "a longer name there", 10, 3},
	} {
		if got := buf.distance([]rune(tt.a), []rune(tt.b), tt.k); got != tt.want {
			t.Errorf("distance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.k, got, tt.want)
		}
	}
}

func TestFoldName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"  Société Générale, S.A.": "societe generale s a", "ACME-Labs": "acme labs", "Ærø Ltd.": "ærø ltd",
		"Zürich Versicherung": "zurich versicherung", "": "", "!!!": "", "Acme\tCorp": "acme corp",
	} {
		if got := foldName(in); got != want {
			t.Errorf("foldName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := domainLabel("https://www.Acme.co.uk"); got != "acme" {
		t.Errorf("domainLabel = %q", got)
	}
}
