package health

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/conversations"
)

// ChannelLinker links channels to accounts for conversation signals;
// cmd/healthbot adapts the intake's recorder to it, so bot needs no ingest
// import. Errors users may read are *healthbot.Error; others are logged.
type ChannelLinker interface {
	// Link links a channel to the account with that external id,
	// replacing its earlier link; an unknown id is a healthbot.Error with
	// code ENOTFOUND.
	Link(ctx context.Context, channelID, accountRef string) (conversations.ChannelLink, error)
	// Unlink removes a link and reports whether there was one.
	Unlink(ctx context.Context, channelID string) (bool, error)
	// Linked returns a channel's link; ok is false when it has none.
	Linked(ctx context.Context, channelID string) (link conversations.ChannelLink, ok bool, err error)
}

// EnableChannelLinks adds `/health link #channel ACCOUNT` and `/health
// unlink #channel`, which start and stop recording a shared channel's
// conversation signals. channels may be nil (then "#name" typed as plain
// text is only understood for the channel the command runs in).
func (h *Health) EnableChannelLinks(l ChannelLinker, channels conversations.ChannelFinder) {
	cl := channelLinks{h: h, linker: l, channels: channels}
	h.Register(Subcommand{Name: "link", Usage: "link #channel ACCOUNT",
		Summary: "record message counts and response times of a channel shared with the customer (never the text)", Run: cl.link})
	h.Register(Subcommand{Name: "unlink", Usage: "unlink #channel", Summary: "stop recording a channel", Run: cl.unlink})
}

type channelLinks struct {
	h        *Health
	linker   ChannelLinker
	channels conversations.ChannelFinder
}

const linkUsage = "Say which channel and which account, like `" + HelpCommand + " link #acme-shared acme` " +
	"(or run `" + HelpCommand + " link acme` in the channel itself)."

func (c channelLinks) link(ctx context.Context, call HealthCall) (chat.Message, error) {
	ref, account := splitChannelArg(call.Args, false)
	if ref == "" && account == "" && !channelIDPattern.MatchString(call.ChannelID) {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "%s", linkUsage)
	}
	ch, err := c.channel(ctx, ref, call.ChannelID)
	if err != nil {
		return chat.Message{}, err
	}
	if account == "" {
		return c.status(ctx, ch)
	}
	before, had, err := c.linker.Linked(ctx, ch)
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not read the channel's link just now. Please try again.")
	}
	l, err := c.linkAccount(ctx, ch, account)
	if err != nil {
		return chat.Message{}, err
	}
	text := fmt.Sprintf("Linked <#%s> to %s. I'll record message counts and response times, never message text. "+
		"Invite me to the channel if I'm not in it.", ch, l.AccountName)
	if had && before.AccountExternalID != l.AccountExternalID {
		text += fmt.Sprintf(" (It was linked to %s before; its counts moved with it.)", before.AccountName)
	}
	return chat.Message{Text: text}, nil
}

// linkAccount links by external id and, when no account has that id,
// by the account's name as /health finds it.
func (c channelLinks) linkAccount(ctx context.Context, ch, account string) (conversations.ChannelLink, error) {
	l, err := c.linker.Link(ctx, ch, account)
	if healthbot.ErrorCode(err) != healthbot.ENOTFOUND {
		return l, err
	}
	res, ferr := c.h.Find(ctx, account)
	if ferr != nil {
		return conversations.ChannelLink{}, ferr
	}
	if e, ok := res.One(); ok {
		return c.linker.Link(ctx, ch, e.ExternalID)
	}
	if len(res.Matches) > 1 {
		names := make([]string, 0, len(res.Matches))
		for _, e := range res.Matches {
			names = append(names, fmt.Sprintf("%s (`%s`)", e.Name, e.ExternalID))
		}
		slices.Sort(names)
		return conversations.ChannelLink{}, healthbot.Errorf(healthbot.ECONFLICT, "Several accounts match “%s”: %s. Link with the id in backticks.",
			account, strings.Join(names, ", "))
	}
	return conversations.ChannelLink{}, err
}

func (c channelLinks) status(ctx context.Context, ch string) (chat.Message, error) {
	l, ok, err := c.linker.Linked(ctx, ch)
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not read the channel's link just now. Please try again.")
	}
	if !ok {
		return chat.Message{Text: fmt.Sprintf("<#%s> is not linked to an account. %s", ch, linkUsage)}, nil
	}
	return chat.Message{Text: fmt.Sprintf("<#%s> is linked to %s (`%s`).", ch, l.AccountName, l.AccountExternalID)}, nil
}

func (c channelLinks) unlink(ctx context.Context, call HealthCall) (chat.Message, error) {
	ref, rest := splitChannelArg(call.Args, true)
	if rest != "" {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "Name just the channel, like `%s unlink #acme-shared`.", HelpCommand)
	}
	ch, err := c.channel(ctx, ref, call.ChannelID)
	if err != nil {
		return chat.Message{}, err
	}
	l, had, err := c.linker.Linked(ctx, ch)
	if err == nil && had {
		had, err = c.linker.Unlink(ctx, ch)
	}
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not unlink the channel just now. Please try again.")
	}
	if !had {
		return chat.Message{Text: fmt.Sprintf("<#%s> was not linked to an account.", ch)}, nil
	}
	return chat.Message{Text: fmt.Sprintf("Unlinked <#%s> from %s. I no longer record its messages and deleted the counts kept for it; "+
		"signals already computed stay.", ch, l.AccountName)}, nil
}

var (
	// channelIDPattern is a Slack public (C…) or private (G…) channel id,
	// as Slack sends it (the command's channel, <#C…|name>).
	channelIDPattern = regexp.MustCompile(`^[CG][A-Z0-9]+$`)
	// bareChannelIDPattern is a channel id typed as a word: as long as
	// real ids, so a short upper-case account id is not taken for one.
	bareChannelIDPattern = regexp.MustCompile(`^[CG][A-Z0-9]{8,}$`)
)

// splitChannelArg takes a leading channel reference off args: Slack's
// escaped <#C123|name>, a plain #name, or a bare channel id (a lone bare
// id only when alone says a lone word is a channel). Without one, ref is
// "" and rest is all of args.
func splitChannelArg(args string, alone bool) (ref, rest string) {
	args = strings.TrimSpace(args)
	first, after, _ := strings.Cut(args, " ")
	after = strings.TrimSpace(after)
	if strings.HasPrefix(first, "<#") || strings.HasPrefix(first, "#") ||
		(bareChannelIDPattern.MatchString(first) && (after != "" || alone)) {
		return first, after
	}
	return "", args
}

// channel turns a reference into a channel id; no reference means the
// channel the command was typed in.
func (c channelLinks) channel(ctx context.Context, ref, current string) (string, error) {
	switch {
	case ref == "":
		if !channelIDPattern.MatchString(current) {
			return "", healthbot.Errorf(healthbot.EINVALID, "This is not a channel. %s", linkUsage)
		}
		return current, nil
	case strings.HasPrefix(ref, "<#"):
		id, _, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(ref, "<#"), ">"), "|")
		if channelIDPattern.MatchString(id) {
			return id, nil
		}
	case strings.HasPrefix(ref, "#"):
		return c.channelByName(ctx, strings.TrimPrefix(ref, "#"))
	case bareChannelIDPattern.MatchString(ref):
		return ref, nil
	}
	return "", healthbot.Errorf(healthbot.EINVALID, "“%s” is not a channel I know. %s", ref, linkUsage)
}

func (c channelLinks) channelByName(ctx context.Context, name string) (string, error) {
	if name == "" || c.channels == nil {
		return "", healthbot.Errorf(healthbot.EINVALID, "I could not tell which channel “#%s” is. Run `%s link ACCOUNT` in the channel itself.", name, HelpCommand)
	}
	id, err := c.channels.ChannelByName(ctx, strings.ToLower(name))
	if errors.Is(err, conversations.ErrChannelNotFound) {
		return "", healthbot.Errorf(healthbot.EINVALID, "I can't see a channel named “#%s”. If it is private, invite me first, "+
			"or run `%s link ACCOUNT` in the channel itself.", name, HelpCommand)
	}
	if err != nil {
		return "", healthbot.Wrap(err, "I could not look the channel up just now. Please try again.")
	}
	return id, nil
}
