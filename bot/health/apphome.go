package health

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// HomeView builds a user's App Home tab (for views.publish on
// app_home_opened): their accounts by band, worst first, with this week's
// pulse status. A user who owns nothing gets a short explanation.
func (h *Health) HomeView(ctx context.Context, userID string) (slack.HomeTabViewRequest, error) {
	home, err := h.home(ctx, userID)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	return blocks.HomeView(home), nil
}

func (h *Health) home(ctx context.Context, userID string) (blocks.Home, error) {
	home := blocks.Home{Command: HelpCommand, Now: h.now(), Week: h.week(scoring.CSM{})}
	csm, err := h.CallerCSM(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return home, nil
	}
	if err != nil {
		return home, healthbot.Wrap(err, "I could not load your accounts just now.")
	}
	lines, err := h.store.AccountLines(ctx, store.LineFilter{OwnerID: csm.ID})
	if err != nil {
		return home, healthbot.Wrap(err, "I could not load your accounts just now.")
	}
	home.CSM, home.Rows, home.Week = csm, rowsOf(lines), h.week(csm)
	for _, l := range lines {
		access.NoteAccounts(ctx, l.Account.ID)
	}
	return home, nil
}

// ViewPublisher is the part of the Slack Web API App Home needs;
// *slack.Client has it.
type ViewPublisher interface {
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
}

// HomeOpened is the app_home_opened EventHandler: it publishes the user's
// Home tab. Register it with Router.Event("app_home_opened", …).
type HomeOpened struct {
	Health *Health
	Slack  ViewPublisher
}

var _ chat.EventHandler = HomeOpened{}

// HandleEvent publishes the Home tab when it is the tab being opened.
func (o HomeOpened) HandleEvent(ctx context.Context, ev chat.Event) error {
	if e, ok := ev.Data.(*slackevents.AppHomeOpenedEvent); ok && e.Tab != "" && e.Tab != "home" {
		return nil // the Messages tab
	}
	if ev.UserID == "" {
		return errors.New("app_home_opened without a user")
	}
	view, err := o.Health.HomeView(ctx, ev.UserID)
	if err != nil {
		return err
	}
	if _, err := o.Slack.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: ev.UserID, View: view}); err != nil {
		return fmt.Errorf("views.publish for %s: %w", ev.UserID, err)
	}
	return nil
}

// HandleRefused publishes a Home tab without account data for a user the
// Gate refused, replacing whatever an earlier visit left there.
func (o HomeOpened) HandleRefused(ctx context.Context, ev chat.Event) error {
	if e, ok := ev.Data.(*slackevents.AppHomeOpenedEvent); ok && e.Tab != "" && e.Tab != "home" {
		return nil
	}
	view := blocks.HomeView(blocks.Home{Command: HelpCommand, Now: o.Health.now(), Refused: access.RefusedText})
	if _, err := o.Slack.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: ev.UserID, View: view}); err != nil {
		return fmt.Errorf("views.publish for %s: %w", ev.UserID, err)
	}
	return nil
}

var _ chat.RefusedEventHandler = HomeOpened{}

// SlackDirectory reads users' emails from Slack (users.info, scope
// users:read.email); *slack.Client satisfies its interface.
type SlackDirectory struct {
	Client interface {
		GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	}
}

var _ UserDirectory = SlackDirectory{}

// UserEmail returns the Slack user's profile email ("" when hidden).
func (d SlackDirectory) UserEmail(ctx context.Context, userID string) (string, error) {
	u, err := d.Client.GetUserInfoContext(ctx, userID)
	if err != nil {
		return "", fmt.Errorf("users.info %s: %w", userID, err)
	}
	return u.Profile.Email, nil
}
