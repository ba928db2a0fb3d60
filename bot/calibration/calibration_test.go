package calibration_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/calibration"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/store"
)

// router records what RegisterButtons routes, standing in for bot.Router.
type router map[string]chat.ActionHandler

func (r router) Action(prefix string, h chat.ActionHandler) { r[prefix] = h }

// Approve and Dismiss are routed under the ids the proposal's blocks use;
// a click whose value names no version is refused before the store is
// read, in words that say what to do instead.
func TestCalibrationButtonsRefuseABadVersion(t *testing.T) {
	t.Parallel()
	r := router{}
	calibration.New(calibration.Config{}).RegisterButtons(r)
	require.Len(t, r, 2)
	for _, id := range []string{blocks.ActionCalibrationApprove, blocks.ActionCalibrationDismiss} {
		h, ok := r[id]
		require.True(t, ok, "%s is not routed", id)
		for _, v := range []string{"", "x", "0", "-3"} {
			_, err := h.HandleAction(context.Background(), chat.Action{Value: v})
			require.Equal(t, healthbot.EINVALID, healthbot.ErrorCode(err), "%s %q", id, v)
			require.Equal(t, "That button no longer works: run healthbot scorecards list to see the versions.", healthbot.ErrorMessage(err))
		}
	}
}

// Without an ops channel there is nowhere to propose: both say so rather
// than storing a proposal nobody can see.
func TestCalibrationNeedsAnOpsChannel(t *testing.T) {
	t.Parallel()
	c := calibration.New(calibration.Config{})
	_, err := c.Propose(context.Background(), store.NewScorecardVersion{YAML: "scorecards: []"})
	require.ErrorContains(t, err, "HEALTHBOT_OPS_CHANNEL")
	require.ErrorContains(t, c.NoProposal(context.Background(), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), "too little churn"), "HEALTHBOT_OPS_CHANNEL")
}
