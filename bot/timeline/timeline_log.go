package timeline

import (
	"context"
	"errors"
	"strings"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/store"
)

// logCommand is `/health log ACCOUNT [kind] NOTE`: the longest leading
// words that name exactly one account are the account, the rest the note.
func (t *Timeline) logCommand(ctx context.Context, c health.HealthCall) (chat.Message, error) {
	entry, note, unresolved, err := t.accountAndRest(ctx, c.Args)
	if err != nil || unresolved != nil {
		if unresolved != nil {
			return *unresolved, nil
		}
		return chat.Message{}, err
	}
	kind, note := kindOfNote(note)
	if note == "" {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "Say what you did, e.g. `%s log %s called the CFO, renewal on track`.", health.HelpCommand, entry.Name)
	}
	if n := blocks.Length(note); n > blocks.MaxLogNote {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "The note is %d characters; keep it to %d.", n, blocks.MaxLogNote)
	}
	err = t.record(ctx, c.UserID, store.Touchpoint{AccountID: entry.ID, Kind: kind, Note: note})
	if errors.Is(err, store.ErrNotFound) {
		return chat.Message{}, &healthbot.Error{Code: healthbot.ENOTFOUND, Message: "That account no longer exists.", Err: err}
	}
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not save that just now. Please try again.")
	}
	access.NoteAccounts(ctx, entry.ID)
	text := "Logged " + blocks.TouchKindLabel(kind) + " on *" + blocks.Esc(entry.Name) + "*: " + blocks.Esc(blocks.Truncate(note, 300))
	return chat.Message{Text: text, Blocks: blocks.TextBlocks(text)}, nil
}

// accountAndRest splits "acme labs called the CFO" into the account the
// longest leading words name exactly and the rest. A quoted name
// ("\"Acme Labs\" …") is taken as written. With no match it returns the
// message for the whole first word (a chooser or "no account named …").
func (t *Timeline) accountAndRest(ctx context.Context, args string) (store.LookupEntry, string, *chat.Message, error) {
	args = strings.TrimSpace(args)
	if args == "" {
		return store.LookupEntry{}, "", nil, healthbot.Errorf(healthbot.EINVALID, "Say which account, e.g. `%s log acme called the CFO, renewal on track`.", health.HelpCommand)
	}
	if q, rest, ok := strings.Cut(strings.TrimPrefix(args, "\""), "\""); strings.HasPrefix(args, "\"") && ok {
		e, m, err := t.health.FindAccount(ctx, q)
		return e, strings.TrimSpace(rest), m, err
	}
	words := strings.Fields(args)
	for n := min(len(words), 6); n >= 1; n-- {
		name := strings.Join(words[:n], " ")
		res, err := t.health.Find(ctx, name)
		if err != nil {
			return store.LookupEntry{}, "", nil, err
		}
		if e, ok := res.One(); ok && res.Kind == health.MatchExact {
			return e, strings.Join(words[n:], " "), nil, nil
		}
	}
	e, m, err := t.health.FindAccount(ctx, words[0])
	return e, strings.Join(words[1:], " "), m, err
}
