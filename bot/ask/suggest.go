package ask

import (
	"context"

	"github.com/healthbot/healthbot/store"
)

// Prompt is a suggested question: a short title and the question it asks.
type Prompt struct {
	Title   string
	Message string
}

// maxPrompts is what Slack's assistant pane shows.
const maxPrompts = 4

// SuggestedPrompts builds the questions a new assistant thread offers,
// from userID's own portfolio: their renewals, their biggest faller, the
// thread's subject (or their lowest score), their open alerts. A user who
// owns no accounts gets the same questions about the whole portfolio.
func (a *Asker) SuggestedPrompts(ctx context.Context, userID, subject string) ([]Prompt, error) {
	var mover, lowest []store.AskBrief
	var owned int
	today := a.today()
	err := a.store.ReadOnly(ctx, func(ro *store.Store) error {
		if userID == "" {
			return nil
		}
		var err error
		if lowest, owned, err = ro.AskSearchAccounts(ctx, store.AskFilter{AsOf: today, Owner: userID, Sort: "score_asc", Limit: 1}); err != nil {
			return err
		}
		mover, _, err = ro.AskSearchAccounts(ctx, store.AskFilter{AsOf: today, Owner: userID, Trend: "dropping", TrendDays: 28, Sort: "change_asc", Limit: 1})
		return err
	})
	if err != nil {
		return nil, err
	}
	if owned == 0 {
		out := []Prompt{
			{"Renewals at risk", "Which accounts renewing in the next 60 days are at risk?"},
			{"Biggest drops", "Which accounts dropped the most over the last 28 days?"},
			{"Portfolio by segment", "How healthy is each segment?"},
			{"Open alerts", "Which accounts have open alerts?"},
		}
		if subject != "" {
			out[2] = Prompt{clipRunes("How is "+subject+"?", 60), "How is " + clip(subject, nameChars) + " doing, and why?"}
		}
		return out, nil
	}
	out := []Prompt{{"My renewals at risk", "Which of my renewals in the next 60 days are at risk?"}}
	if len(mover) > 0 {
		name := clip(mover[0].Name, nameChars)
		out = append(out, Prompt{clipRunes("Why did "+name+" drop?", 60), "Why did " + name + " drop?"})
	} else {
		out = append(out, Prompt{"My biggest movers", "Which of my accounts moved the most over the last 28 days?"})
	}
	switch {
	case subject != "":
		s := clip(subject, nameChars)
		out = append(out, Prompt{clipRunes("How is "+s+"?", 60), "How is " + s + " doing, and why?"})
	case len(lowest) > 0 && (len(mover) == 0 || lowest[0].ID != mover[0].ID):
		name := clip(lowest[0].Name, nameChars)
		out = append(out, Prompt{clipRunes("What's pulling "+name+" down?", 60), "What is pulling " + name + "'s score down?"})
	default:
		out = append(out, Prompt{"My portfolio", "How healthy is my portfolio, band by band?"})
	}
	out = append(out, Prompt{"My open alerts", "Which of my accounts have open alerts?"})
	return out[:min(len(out), maxPrompts)], nil
}
