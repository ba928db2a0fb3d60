package scoring

import (
	"fmt"
	"strings"
)

// didYouMean returns " (did you mean x?)" for the closest candidate, or "".
// A candidate containing every letter of s in order ("active_usr" in
// "active_user_ratio") counts as close, as does a small edit distance.
func didYouMean(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), c)
		if len(s) >= 3 && isSubsequence(s, c) {
			d = min(d, 1+len(c)-len(s)) // rank by how much is missing
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(2, len(s)/3)
	if best == "" || (bestD > limit && !(len(s) >= 3 && isSubsequence(s, best))) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

func isSubsequence(s, t string) bool {
	i := 0
	for j := 0; i < len(s) && j < len(t); j++ {
		if s[i] == t[j] {
			i++
		}
	}
	return i == len(s)
}

// editDistance is the Levenshtein distance over bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
