package health_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/conversations"
	"github.com/healthbot/healthbot/bot/health"
)

// fakeLinker keeps links in a map, like the recorder, and knows accounts by
// external id only.
type fakeLinker struct {
	accounts map[string]string // external id → name
	links    map[string]conversations.ChannelLink
	calls    []string // "link C ref", "unlink C"
	err      error    // returned by every call when set
}

var _ health.ChannelLinker = (*fakeLinker)(nil)

func (f *fakeLinker) Link(_ context.Context, ch, ref string) (conversations.ChannelLink, error) {
	f.calls = append(f.calls, "link "+ch+" "+ref)
	if f.err != nil {
		return conversations.ChannelLink{}, f.err
	}
	name, ok := f.accounts[ref]
	if !ok {
		return conversations.ChannelLink{}, healthbot.Errorf(healthbot.ENOTFOUND, "There is no account %q.", ref)
	}
	l := conversations.ChannelLink{ChannelID: ch, AccountExternalID: ref, AccountName: name}
	f.links[ch] = l
	return l, nil
}

func (f *fakeLinker) Unlink(_ context.Context, ch string) (bool, error) {
	f.calls = append(f.calls, "unlink "+ch)
	_, ok := f.links[ch]
	delete(f.links, ch)
	return ok, f.err
}

func (f *fakeLinker) Linked(_ context.Context, ch string) (conversations.ChannelLink, bool, error) {
	l, ok := f.links[ch]
	return l, ok, f.err
}

// fakeChannels finds channels by name in a map.
type fakeChannels struct {
	byName map[string]string
	err    error
}

var _ conversations.ChannelFinder = fakeChannels{}

func (f fakeChannels) ChannelByName(_ context.Context, name string) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	id, ok := f.byName[name]
	if !ok {
		return "", conversations.ErrChannelNotFound
	}
	return id, nil
}

// setupLinks is /health over the seeded World with links enabled on a
// fakeLinker that knows every World account by its external id.
func setupLinks(t *testing.T) (*health.Health, *fakeLinker) {
	t.Helper()
	h, b := setup(t)
	w := b.world
	l := &fakeLinker{links: map[string]conversations.ChannelLink{}, accounts: map[string]string{}}
	for _, a := range []struct{ ext, name string }{
		{w.Acme.ExternalID, w.Acme.Name}, {w.AcmeLabs.ExternalID, w.AcmeLabs.Name},
		{w.HooliUS.ExternalID, w.HooliUS.Name}, {w.HooliEU.ExternalID, w.HooliEU.Name},
	} {
		l.accounts[a.ext] = a.name
	}
	h.EnableChannelLinks(l, fakeChannels{byName: map[string]string{"acme-shared": "C0ACME0001", "private-acme": "G0ACME0002"}})
	return h, l
}

func runIn(t *testing.T, h *health.Health, channel, text string) (bot.Message, error) {
	t.Helper()
	return h.HandleCommand(context.Background(), bot.Request{UserID: "U0JANE", Command: "/health", Text: text, ChannelID: channel})
}

func TestLinkUnderstandsEveryChannelForm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, channel, text, call string
	}{
		{"escaped mention", "C0OTHER001", "link <#C0ACME0001|acme-shared> crm-1", "link C0ACME0001 crm-1"},
		{"escaped without a name", "C0OTHER001", "link <#C0ACME0001|> crm-1", "link C0ACME0001 crm-1"},
		{"escaped short id", "C0OTHER001", "link <#C1|acme-shared> crm-1", "link C1 crm-1"},
		{"bare id", "C0OTHER001", "link C0ACME0001 crm-1", "link C0ACME0001 crm-1"},
		{"plain name", "C0OTHER001", "link #acme-shared crm-1", "link C0ACME0001 crm-1"},
		{"plain name, any case", "C0OTHER001", "link #Private-Acme crm-1", "link G0ACME0002 crm-1"},
		{"no channel: the one the command runs in", "C0ACME0001", "link crm-1", "link C0ACME0001 crm-1"},
		{"extra spaces", "C0OTHER001", "link   <#C0ACME0001|acme-shared>    crm-1", "link C0ACME0001 crm-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, l := setupLinks(t)
			m, err := runIn(t, h, tc.channel, tc.text)
			require.NoError(t, err)
			require.Equal(t, []string{tc.call}, l.calls)
			ch := strings.Fields(tc.call)[1]
			require.Equal(t, "Linked <#"+ch+"> to Acme. I'll record message counts and response times, never message text. "+
				"Invite me to the channel if I'm not in it.", m.Text)
			require.False(t, m.InChannel, "the confirmation is ephemeral")
		})
	}
}

func TestLinkRejectsWhatIsNoChannel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, channel, text, want string }{
		{"nothing, in a DM", "D0DM00001", "link", "Say which channel and which account"},
		{"no channel, in a DM", "D0DM00001", "link crm-1", "This is not a channel."},
		{"unknown plain name", "C0OTHER001", "link #nope crm-1", "I can't see a channel named “#nope”"},
		{"a user, not a channel", "C0OTHER001", "link <#U0JANE|jane> crm-1", "“<#U0JANE|jane>” is not a channel I know"},
		{"unlink with extra words", "C0OTHER001", "unlink #acme-shared now", "Name just the channel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, l := setupLinks(t)
			_, err := runIn(t, h, tc.channel, tc.text)
			require.Error(t, err)
			require.Equal(t, healthbot.EINVALID, healthbot.ErrorCode(err))
			require.Contains(t, healthbot.ErrorMessage(err), tc.want)
			require.Empty(t, l.calls, "nothing linked")
		})
	}
}

func TestLinkFindsTheAccountByName(t *testing.T) {
	t.Parallel()
	h, l := setupLinks(t)

	m, err := runIn(t, h, "C0OTHER001", "link <#C0ACME0001|acme-shared> Acme Labs")
	require.NoError(t, err)
	require.Equal(t, []string{"link C0ACME0001 Acme Labs", "link C0ACME0001 crm-2"}, l.calls, "by id first, then by name")
	require.Contains(t, m.Text, "Linked <#C0ACME0001> to Acme Labs.")

	_, err = runIn(t, h, "C0OTHER001", "link <#C0ACME0001|acme-shared> hooli")
	require.Equal(t, healthbot.ECONFLICT, healthbot.ErrorCode(err))
	require.Equal(t, "Several accounts match “hooli”: Hooli (`hooli-eu`), Hooli (`hooli-us`). Link with the id in backticks.",
		healthbot.ErrorMessage(err))

	_, err = runIn(t, h, "C0OTHER001", "link <#C0ACME0001|acme-shared> zzzz")
	require.Equal(t, healthbot.ENOTFOUND, healthbot.ErrorCode(err))
	require.Equal(t, `There is no account "zzzz".`, healthbot.ErrorMessage(err), "the recorder's own words")
	require.Equal(t, "crm-2", l.links["C0ACME0001"].AccountExternalID, "a failed relink leaves the link alone")
}

func TestRelinkStatusAndUnlink(t *testing.T) {
	t.Parallel()
	h, l := setupLinks(t)
	_, err := runIn(t, h, "C0OTHER001", "link <#C0ACME0001|acme-shared> crm-1")
	require.NoError(t, err)

	m, err := runIn(t, h, "C0OTHER001", "link <#C0ACME0001|acme-shared> crm-2")
	require.NoError(t, err)
	require.Contains(t, m.Text, "Linked <#C0ACME0001> to Acme Labs.")
	require.Contains(t, m.Text, "It was linked to Acme before; its counts moved with it.")

	m, err = runIn(t, h, "C0ACME0001", "link")
	require.NoError(t, err)
	require.Equal(t, "<#C0ACME0001> is linked to Acme Labs (`crm-2`).", m.Text)
	m, err = runIn(t, h, "C0OTHER001", "link <#C0OTHER001|general>")
	require.NoError(t, err)
	require.Contains(t, m.Text, "<#C0OTHER001> is not linked to an account.")

	m, err = runIn(t, h, "C0OTHER001", "unlink C0ACME0001")
	require.NoError(t, err)
	require.Equal(t, "Unlinked <#C0ACME0001> from Acme Labs. I no longer record its messages and deleted the counts kept for it; "+
		"signals already computed stay.", m.Text)
	require.Empty(t, l.links)

	m, err = runIn(t, h, "C0ACME0001", "unlink")
	require.NoError(t, err)
	require.Equal(t, "<#C0ACME0001> was not linked to an account.", m.Text)
}

func TestLinkHidesInternalErrors(t *testing.T) {
	t.Parallel()
	h, l := setupLinks(t)
	l.err = errors.New("pq: relation channel_link does not exist")
	for _, text := range []string{"link <#C0ACME0001|x> crm-1", "unlink <#C0ACME0001|x>"} {
		_, err := runIn(t, h, "C0OTHER001", text)
		require.Error(t, err)
		require.NotContains(t, healthbot.ErrorMessage(err), "pq:", text)
		require.ErrorIs(t, err, l.err, "the log gets the detail")
	}
	h.EnableChannelLinks(l, fakeChannels{err: errors.New("slack: ratelimited")}) // replaces the subcommands
	_, err := runIn(t, h, "C0OTHER001", "link #acme-shared crm-1")
	require.Equal(t, "I could not look the channel up just now. Please try again.", healthbot.ErrorMessage(err))
}

func TestLinkIsListedInHelp(t *testing.T) {
	t.Parallel()
	h, _ := setupLinks(t)
	var names []string
	for _, sc := range h.Subcommands() {
		names = append(names, sc.Name)
	}
	require.Subset(t, names, []string{"link", "unlink"})
	m := ask(t, h, "U0JANE", "help")
	require.Contains(t, m.Text+render(t, m), "link #channel ACCOUNT")
}
