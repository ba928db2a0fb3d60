package blocks_test

import (
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/blocks"
)

func proposal() blocks.Calibration {
	return blocks.Calibration{
		VersionID: 7, Source: "calibrate (monthly)", CreatedAt: time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC),
		InForce: "built-in defaults", AUCBefore: 0.78, AUCAfter: 0.83, Status: "proposed",
		Summary: "Held-out AUC 0.78 (95% CI 0.74–0.82) → 0.83 (0.79–0.86); trained on 1400 examples (120 churned), tested on 600 (48 churned), time split.\n" +
			"On 2026-12-01, 2 of 240 accounts would change band (1 yellow → red, 1 green → yellow).\n" +
			"• Acme & Co (Mid): yellow 52.0 → red 38.5\n" +
			"• Birch <Ltd> (SMB): green 71.0 → yellow 66.0\n" +
			"Weights: active_user_ratio 0.13 → 0.31, support_tickets 0.10 → 0.00.",
	}
}

func TestCalibrationGolden(t *testing.T) {
	t.Parallel()
	golden(t, "calibration_proposed", blocks.CalibrationBlocks(proposal()), blocks.MaxBlocks)
	approved := proposal()
	approved.Status, approved.DecidedBy, approved.DecidedAt = "approved", "U0OPS", time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	golden(t, "calibration_approved", blocks.CalibrationBlocks(approved), blocks.MaxBlocks)
	dismissed := proposal()
	dismissed.Status, dismissed.DecidedBy, dismissed.DecidedAt = "dismissed", "U0OPS", time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	golden(t, "calibration_dismissed", blocks.CalibrationBlocks(dismissed), blocks.MaxBlocks)
}

func TestCalibrationContent(t *testing.T) {
	t.Parallel()
	got := dump(t, blocks.CalibrationBlocks(proposal()))
	for _, want := range []string{
		"Held-out AUC *0.78 → 0.83*", "Acme &amp; Co (Mid): yellow 52.0 → red 38.5", "Birch &lt;Ltd&gt;",
		`"action_id":"calibration_approve"`, `"action_id":"calibration_dismiss"`, `"value":"7"`, "Replaces: built-in defaults",
	} {
		require.Contains(t, got, want)
	}
	approved := proposal()
	approved.Status, approved.DecidedBy, approved.DecidedAt = "approved", "cli:dana", time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	bs := blocks.CalibrationBlocks(approved)
	require.Contains(t, dump(t, bs), "✅ Approved by cli:dana on 2026-12-02")
	for _, b := range bs {
		require.NotEqual(t, slack.MBTAction, b.BlockType(), "a decided proposal has no buttons")
	}
	require.Equal(t, "Calibration proposal 7: held-out AUC 0.78 → 0.83. Approve or dismiss.", blocks.CalibrationText(proposal()))
}

func TestCalibrationNothingText(t *testing.T) {
	t.Parallel()
	require.Equal(t, "Scorecard calibration December 2026: nothing to propose, the fitted weights do not rank churn better on held-out data (AUC 0.91 against 0.94 now). The scorecards in force stay as they are.",
		blocks.CalibrationNothingText(time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC),
			"the fitted weights do not rank churn better on held-out data (AUC 0.91 against 0.94 now)"))
}
