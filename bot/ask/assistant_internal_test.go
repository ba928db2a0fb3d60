package ask

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplitChunksKeepsTheTextWhole(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"",
		"short",
		strings.Repeat("word ", 200),
		strings.Repeat("é", 500), // no spaces: cut between runes
		"line one\n" + strings.Repeat("x", 400) + "\nend",
	} {
		chunks := splitChunks(text, 100)
		require.Equal(t, text, strings.Join(chunks, ""))
		for _, c := range chunks {
			require.LessOrEqual(t, len(c), 100)
			require.True(t, strings.ToValidUTF8(c, "?") == c, "chunk cut inside a rune: %q", c)
		}
	}
	require.Equal(t, []string{"aaaa ", "bbbb"}, splitChunks("aaaa bbbb", 6))
}
