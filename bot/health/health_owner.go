package health

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// OwnerStore is what `/health owner` reads and writes; *store.Store has it.
type OwnerStore interface {
	csmFinder
	SetAccountOwner(ctx context.Context, accountID, csmID int64) error
	Account(ctx context.Context, id int64) (scoring.Account, error)
}

var _ OwnerStore = (*store.Store)(nil)

// csmFinder finds the CSM a command names (ResolveCSM).
type csmFinder interface {
	CSMs(ctx context.Context) ([]scoring.CSM, error)
	CSMBySlackID(ctx context.Context, slackID string) (scoring.CSM, error)
	EnsureCSM(ctx context.Context, email, slackID, name string) (int64, error)
}

// userCheck says whether a Slack user may see account data (the Gate's
// CheckUser); a person who may not is never given accounts.
type userCheck interface {
	CheckUser(ctx context.Context, userID string) error
}

// OwnerSubcommand is `/health owner ACCOUNT @person`: a manager (member of
// HEALTHBOT_MANAGERS, the Gate's one definition) reassigns an account; the
// next pulse and alerts follow the new owner. users refuses a guest or
// outsider as the new owner; nil: no check (without Slack).
func OwnerSubcommand(h *Health, st OwnerStore, users access.ChannelGuard) Subcommand {
	return Subcommand{
		Name: "owner", Aliases: []string{"reassign"}, Usage: "owner ACCOUNT @person",
		Summary: "managers: give an account to another CSM",
		Run: func(ctx context.Context, c HealthCall) (chat.Message, error) {
			return ownerCommand(ctx, h, st, users, c)
		},
	}
}

// slackMention is an escaped user mention, <@U123> or <@U123|maya>.
var slackMention = regexp.MustCompile(`^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$`)

func ownerCommand(ctx context.Context, h *Health, st OwnerStore, users userCheck, c HealthCall) (chat.Message, error) {
	if !access.IsManager(ctx) {
		return chat.Message{}, healthbot.Errorf(healthbot.EFORBIDDEN,
			"Sorry — only managers can reassign accounts. Ask a member of the managers' group to run `%s owner ACCOUNT @person`.", HelpCommand)
	}
	words := strings.Fields(c.Args)
	if len(words) < 2 {
		return chat.Message{}, Usage("Say which account and who should own it, e.g. `%s owner acme @maya`.", HelpCommand)
	}
	who := words[len(words)-1]
	e, m, err := h.FindAccount(ctx, strings.Join(words[:len(words)-1], " "))
	if err != nil || m != nil {
		if m != nil {
			return *m, nil
		}
		return chat.Message{}, err
	}
	csm, err := ResolveCSM(ctx, st, users, who)
	if err != nil {
		return chat.Message{}, err
	}
	before, err := st.Account(ctx, e.ID)
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not load that account just now. Please try again.")
	}
	if before.OwnerID == csm.ID {
		text := fmt.Sprintf("%s already owns *%s*.", CSMLabel(csm), blocks.Esc(e.Name))
		return chat.Message{Text: text, Blocks: blocks.TextBlocks(text)}, nil
	}
	if err := st.SetAccountOwner(ctx, e.ID, csm.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return chat.Message{}, &healthbot.Error{Code: healthbot.ENOTFOUND, Message: "That account no longer exists.", Err: err}
		}
		return chat.Message{}, healthbot.Wrap(err, "I could not reassign the account just now. Please try again.")
	}
	access.NoteAccounts(ctx, e.ID)
	was := ""
	if before.Owner.ID != 0 {
		was = " (was " + CSMLabel(before.Owner) + ")"
	}
	text := fmt.Sprintf("*%s* now belongs to %s%s. The next pulse and alerts go to them.", blocks.Esc(e.Name), CSMLabel(csm), was)
	return chat.Message{Text: text, Blocks: blocks.TextBlocks(text)}, nil
}

// ResolveCSM finds the CSM a command names: an escaped mention or a user
// id (created as a CSM if new), or @name matched against the CSMs' names
// and email local parts, which must be unambiguous. A person users
// refuses (a guest, an outsider, a deactivated user) is refused here,
// before a CSM is made for them.
func ResolveCSM(ctx context.Context, st csmFinder, users userCheck, who string) (scoring.CSM, error) {
	id := ""
	if m := slackMention.FindStringSubmatch(who); m != nil {
		id = m[1]
	} else if blocks.IsSlackUserID(who) {
		id = who
	}
	if id != "" && users != nil {
		if err := users.CheckUser(ctx, id); err != nil {
			return scoring.CSM{}, &healthbot.Error{Code: healthbot.EFORBIDDEN, Err: err,
				Message: fmt.Sprintf("<@%s> cannot be given accounts: healthbot shows account data only to full members of this workspace.", id)}
		}
	}
	if id != "" {
		c, err := st.CSMBySlackID(ctx, id)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return c, healthbot.Wrap(err, "I could not look that person up just now. Please try again.")
		}
		newID, err := st.EnsureCSM(ctx, "", id, "")
		if err != nil {
			return scoring.CSM{}, healthbot.Wrap(err, "I could not add that person as a CSM just now. Please try again.")
		}
		return scoring.CSM{ID: newID, SlackUserID: id, Active: true}, nil
	}
	name := strings.ToLower(strings.TrimPrefix(who, "@"))
	if name == "" {
		return scoring.CSM{}, healthbot.Errorf(healthbot.EINVALID, "Say who should own it, e.g. `@maya`.")
	}
	all, err := st.CSMs(ctx)
	if err != nil {
		return scoring.CSM{}, healthbot.Wrap(err, "I could not look that person up just now. Please try again.")
	}
	var found []scoring.CSM
	for _, c := range all {
		if csmAnswersTo(c, name) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return scoring.CSM{}, healthbot.Errorf(healthbot.ENOTFOUND, "I know no CSM called %s. Mention them (`@name` picked from Slack's list) or use their Slack user id.", who)
	}
	names := make([]string, len(found))
	for i, c := range found {
		names[i] = CSMLabel(c)
	}
	return scoring.CSM{}, healthbot.Errorf(healthbot.ECONFLICT, "Several CSMs answer to %s: %s. Use their Slack user id instead.", who, strings.Join(names, ", "))
}

// csmAnswersTo: name is the CSM's full name, first name, name without
// spaces, or email local part (case-insensitive).
func csmAnswersTo(c scoring.CSM, name string) bool {
	full := strings.ToLower(c.Name)
	first, _, _ := strings.Cut(full, " ")
	local, _, _ := strings.Cut(strings.ToLower(c.Email), "@")
	for _, s := range []string{full, first, strings.ReplaceAll(full, " ", ""), strings.ReplaceAll(full, " ", "."), local} {
		if s != "" && s == name {
			return true
		}
	}
	return false
}

// CSMLabel names a CSM for a message: a mention when Slack knows them.
func CSMLabel(c scoring.CSM) string {
	switch {
	case c.SlackUserID != "":
		return "<@" + blocks.Esc(c.SlackUserID) + ">"
	case c.Name != "":
		return blocks.Esc(c.Name)
	}
	return blocks.Esc(c.Email)
}
