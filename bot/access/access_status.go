package access

import (
	"context"
	"strings"
)

// awayWords and awayEmoji are what a Slack status says when someone is
// out of office (Slack's own suggestions: "Vacationing" 🌴, "Out sick" 🤒,
// "Out of office"…).
var (
	awayWords = []string{"out of office", "ooo", "vacation", "vacationing", "holiday", "on leave", "parental leave",
		"out sick", "sick", "pto", "away until", "off until", "annual leave", "congé", "urlaub"}
	awayEmoji = []string{":palm_tree:", ":desert_island:", ":face_with_thermometer:", ":airplane:", ":beach_with_umbrella:", ":baby:"}
)

// AwayInSlack reports whether userID's Slack status says they are out of
// office (and has not expired), from the same cached users.info the
// access decisions read.
func (g *Gate) AwayInSlack(ctx context.Context, userID string) (bool, error) {
	u, err := g.user(ctx, userID)
	if err != nil {
		return false, err
	}
	return StatusSaysAway(u.StatusText, u.StatusEmoji, u.StatusExpiration, g.now().Unix()), nil
}

// StatusSaysAway: the status's text or emoji is an out-of-office one and
// it has not expired at now (Unix seconds; expiration 0 never expires).
func StatusSaysAway(text, emoji string, expiration, now int64) bool {
	if expiration != 0 && expiration <= now {
		return false
	}
	t := " " + strings.ToLower(text) + " "
	for _, w := range awayWords {
		if strings.Contains(t, " "+w+" ") || strings.Contains(t, " "+w+",") || strings.Contains(t, " "+w+":") {
			return true
		}
	}
	for _, e := range awayEmoji {
		if emoji == e {
			return true
		}
	}
	return false
}
