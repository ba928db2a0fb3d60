package chat

import "slices"

// MessageRef is one posted Slack message: where it is and its ts, what
// chat.update needs to rewrite it.
type MessageRef struct{ Channel, TS string }

// UniqueRefs drops empty and repeated message references: a message is
// rewritten once even when the click came from it and it is also stored.
func UniqueRefs(rs ...MessageRef) []MessageRef {
	var out []MessageRef
	for _, r := range rs {
		if r.Channel != "" && r.TS != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
