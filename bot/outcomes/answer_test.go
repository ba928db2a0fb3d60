package outcomes_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/outcomes"
)

// router records what RegisterButtons routes, standing in for bot.Router.
type router struct {
	actions, views map[string]chat.ActionHandler
}

func (r *router) Action(prefix string, h chat.ActionHandler)           { r.actions[prefix] = h }
func (r *router) ViewSubmission(callback string, h chat.ActionHandler) { r.views[callback] = h }

// Clicks the handlers cannot act on are refused before the store is read,
// as healthbot errors whose code the adapter maps and whose words the user
// sees unchanged from before the error model.
func TestOutcomeButtonsRefuseStaleClicksWithTheirWords(t *testing.T) {
	t.Parallel()
	r := &router{actions: map[string]chat.ActionHandler{}, views: map[string]chat.ActionHandler{}}
	outcomes.New(outcomes.Config{}).RegisterButtons(r)
	require.Len(t, r.actions, 2)
	require.Len(t, r.views, 1)
	ctx := context.Background()
	for _, tc := range []struct {
		h    chat.ActionHandler
		act  chat.Action
		code string
		msg  string
	}{
		{r.actions[blocks.ActionOutcomeReason], chat.Action{Value: "not_a_reason", BlockID: blocks.OutcomeBlockID(1)}, healthbot.EINVALID, "That menu no longer works."},
		{r.actions[blocks.ActionOutcomeNote], chat.Action{Value: "x"}, healthbot.EINVALID, "That button no longer works."},
		{r.views[blocks.CallbackOutcomeNote], chat.Action{Value: "0"}, healthbot.EINVALID, "That form no longer works."},
	} {
		if tc.h == nil {
			t.Fatalf("a handler is not routed under the ids this test assumes: %v %v", r.actions, r.views)
		}
		_, err := tc.h.HandleAction(ctx, tc.act)
		require.Equal(t, tc.code, healthbot.ErrorCode(err))
		require.Equal(t, tc.msg, healthbot.ErrorMessage(err))
	}
}
