package blocks_test

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
)

func redAlert() blocks.AlertMessage {
	return blocks.AlertMessage{
		ID: 901, Account: acme(), Kind: scoring.AlertTurnedRed, State: scoring.AlertOpen, FiredAt: day(0),
		Score:   scoring.Score{AccountID: 42, AsOf: day(0), Value: 34.4, Band: scoring.BandRed},
		Summary: "Turned red at 34 (was 52 7 days ago): Active users −9, Pulse −6",
	}
}

func TestAlertGolden(t *testing.T) {
	t.Parallel()
	golden(t, "alert_open", blocks.AlertBlocks(redAlert()), blocks.MaxBlocks)

	ack := redAlert()
	ack.State, ack.ActedBy, ack.AssignedTo = scoring.AlertAcknowledged, "U0BOB", "U0JANE"
	golden(t, "alert_acknowledged", blocks.AlertBlocks(ack), blocks.MaxBlocks)

	snoozed := redAlert()
	snoozed.State, snoozed.ActedBy, snoozed.SnoozedUntil = scoring.AlertSnoozed, "U0BOB", day(-7)
	golden(t, "alert_snoozed", blocks.AlertBlocks(snoozed), blocks.MaxBlocks)

	resolved := redAlert()
	resolved.State, resolved.ResolvedAt, resolved.Resolution = scoring.AlertResolved, day(-3), "score back to 52 (Yellow)"
	golden(t, "alert_resolved", blocks.AlertBlocks(resolved), blocks.MaxBlocks)
}

func TestAlertContent(t *testing.T) {
	t.Parallel()
	live := dump(t, blocks.AlertBlocks(redAlert()))
	for _, want := range []string{
		"🔴 *Acme Corp* · Turned red · 34 (Red)", "Turned red at 34 (was 52 7 days ago): Active users −9, Pulse −6",
		"🔔 Open since Jan 14", "Owner: <@U0JANE>", `"block_id":"alert:901"`, `"action_id":"alert_ack"`,
		`"action_id":"alert_snooze"`, `"action_id":"alert_open"`, `"type":"users_select"`, `"value":"901"`, "Snooze 7 days",
	} {
		require.Contains(t, live, want)
	}
	snoozed := redAlert()
	snoozed.State, snoozed.ActedBy, snoozed.SnoozedUntil = scoring.AlertSnoozed, "U0BOB", day(-7)
	require.Contains(t, dump(t, blocks.AlertBlocks(snoozed)), "💤 Snoozed until Jan 21 by <@U0BOB>")

	resolved := redAlert()
	resolved.State, resolved.ResolvedAt, resolved.Resolution = scoring.AlertResolved, day(-3), "score back to 52"
	bs := blocks.AlertBlocks(resolved)
	got := dump(t, bs)
	require.Contains(t, got, "~Turned red at 34")
	require.Contains(t, got, "✅ Resolved Jan 17: score back to 52")
	for _, b := range bs {
		require.NotEqual(t, slack.MBTAction, b.BlockType(), "a resolved alert has no buttons")
		if s, ok := b.(*slack.SectionBlock); ok {
			require.Nil(t, s.Accessory)
		}
	}
	require.Equal(t, "✅ Resolved: Acme Corp · Turned red", blocks.AlertText(resolved))

	hostile := redAlert()
	hostile.Account.Name = "<!channel> Evil"
	hostile.Summary = "<https://evil|click>"
	got = dump(t, blocks.AlertBlocks(hostile))
	require.NotContains(t, got, "<!channel>")
	require.NotContains(t, got, "<https://evil")
}

func TestAlertAssignedDM(t *testing.T) {
	t.Parallel()
	m := redAlert()
	m.State, m.ActedBy, m.AssignedTo = scoring.AlertAcknowledged, "U0BOB", "U0ZOE"
	bs := blocks.AlertAssignedBlocks(m, "U0BOB")
	golden(t, "alert_assigned", bs, blocks.MaxBlocks)
	got := dump(t, bs)
	for _, want := range []string{
		"👤 \u003c@U0BOB\u003e assigned you an alert: 🔴 *Acme Corp* · Turned red · 34 (Red)",
		"Turned red at 34 (was 52 7 days ago)", `"action_id":"alert_open"`, `"value":"901"`,
	} {
		require.Contains(t, got, want)
	}
	require.NotContains(t, got, `"action_id":"alert_ack"`, "the DM has no buttons that would go stale")
	require.Equal(t, "<@U0BOB> assigned you an alert: Acme Corp · Turned red", blocks.AlertAssignedText(m, "U0BOB"))
}

func TestAlertBlockID(t *testing.T) {
	t.Parallel()
	id, ok := blocks.AlertIDFromBlock(blocks.AlertBlockID(77))
	require.True(t, ok)
	require.EqualValues(t, 77, id)
	for _, bad := range []string{"", "alert:", "alert:x", "alert:-3", "outcome:7", "card_actions"} {
		_, ok := blocks.AlertIDFromBlock(bad)
		require.False(t, ok, bad)
	}
	require.Equal(t, "⏰ Snooze over, still turned red: Turned red at 34 (was 52 7 days ago): Active users −9, Pulse −6", blocks.AlertStillText(redAlert()))
	for _, k := range scoring.AlertKinds {
		require.NotEqual(t, strings.ReplaceAll(string(k), "_", " "), blocks.AlertTitle(k), "every rule has a title of its own")
	}
}

func churnQuestion() blocks.OutcomeQuestion {
	a := acme()
	a.ChurnedAt = day(1)
	return blocks.OutcomeQuestion{ID: 5, Account: a, Kind: "churn", OccurredOn: day(1)}
}

func TestOutcomeGolden(t *testing.T) {
	t.Parallel()
	golden(t, "outcome_churn", blocks.OutcomeBlocks(churnQuestion()), blocks.MaxBlocks)
	renewed := blocks.OutcomeQuestion{ID: 6, Account: acme(), Kind: "renewal", OccurredOn: day(2), NextRenewal: day(-363),
		Reasons: []string{"happy_sponsor", "expanding"}, Note: "Sponsor <@U9> loved the QBR", AnsweredBy: "U0JANE"}
	golden(t, "outcome_renewal_answered", blocks.OutcomeBlocks(renewed), blocks.MaxBlocks)
	golden(t, "outcome_modal", blocks.OutcomeNoteModal(renewed).Blocks.BlockSet, blocks.MaxBlocks)
}

func TestOutcomeContent(t *testing.T) {
	t.Parallel()
	q := churnQuestion()
	got := dump(t, blocks.OutcomeBlocks(q))
	require.Contains(t, got, "*Acme Corp* churned on 2026-01-13")
	require.Contains(t, got, `"block_id":"outcome:5"`)
	for _, r := range blocks.OutcomeReasons() {
		require.Contains(t, got, `"value":"`+r.Code+`"`)
	}
	require.NotContains(t, got, "Recorded", "unanswered")

	q.Reasons, q.Note, q.AnsweredBy = []string{"budget_cut"}, "CFO <@U1> froze spend", "U0JANE"
	bs := blocks.OutcomeBlocks(q)
	got = dump(t, bs)
	require.Contains(t, got, "✅ Recorded: Budget cut — “CFO &lt;@U1&gt; froze spend” by <@U0JANE>")
	sel, ok := bs[1].(*slack.ActionBlock).Elements.ElementSet[0].(*slack.SelectBlockElement)
	require.True(t, ok)
	require.Equal(t, "budget_cut", sel.InitialOption.Value, "the menu shows the answer")

	m := blocks.OutcomeNoteModal(q)
	require.Equal(t, blocks.CallbackOutcomeNote, m.CallbackID)
	require.Equal(t, "5", m.PrivateMetadata)
	require.LessOrEqual(t, len([]rune(m.Title.Text)), 24)
	in, ok := m.Blocks.BlockSet[2].(*slack.InputBlock)
	require.True(t, ok)
	require.Equal(t, "CFO <@U1> froze spend", in.Element.(*slack.PlainTextInputBlockElement).InitialValue)

	id, ok := blocks.OutcomeIDFromBlock(blocks.OutcomeBlockID(5))
	require.True(t, ok)
	require.EqualValues(t, 5, id)
	require.Equal(t, "Product gaps", blocks.ReasonLabel("product_gaps"))
}

func TestAlertBaseline(t *testing.T) {
	t.Parallel()
	b := blocks.AlertBaseline{Accounts: 264, Kinds: []blocks.AlertKindCount{
		{Kind: scoring.AlertTurnedRed, Alerts: 53}, {Kind: scoring.AlertRenewalRisk, Alerts: 12}, {Kind: scoring.AlertPulsePoor, Alerts: 1},
	}}
	golden(t, "alert_baseline", blocks.AlertBaselineBlocks(b), blocks.MaxBlocks)
	require.Equal(t, 66, b.Total())
	require.Equal(t, "healthbot is now watching 264 accounts: 66 alert conditions already hold (recorded, not posted one by one).",
		blocks.AlertBaselineText(b))
	got := dump(t, blocks.AlertBaselineBlocks(b))
	for _, want := range []string{"• Turned red: 53", "• Renewal at risk: 12", "• Pulse Poor: 1", "/health at-risk"} {
		require.Contains(t, got, want)
	}
	yours := b
	yours.Accounts, yours.Yours = 33, true
	golden(t, "alert_baseline_owner", blocks.AlertBaselineBlocks(yours), blocks.MaxBlocks)
	require.Equal(t, "healthbot is now watching your 33 accounts: 66 alert conditions already hold (recorded, not posted one by one).",
		blocks.AlertBaselineText(yours))

	one := blocks.AlertBaseline{Accounts: 1, Kinds: []blocks.AlertKindCount{{Kind: scoring.AlertTurnedRed, Alerts: 1}}}
	require.Equal(t, "healthbot is now watching 1 account: 1 alert condition already holds (recorded, not posted one by one).",
		blocks.AlertBaselineText(one))
}
