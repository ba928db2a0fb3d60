package ask_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/ask"
	"github.com/healthbot/healthbot/scoring"
)

// blocksJSON is a message's blocks as Slack receives them.
func blocksJSON(t *testing.T, m bot.Message) string {
	t.Helper()
	b, err := json.Marshal(slack.Blocks{BlockSet: m.Blocks})
	require.NoError(t, err)
	return string(b)
}

// sectionText is the answer's first section.
func sectionText(t *testing.T, m bot.Message) string {
	t.Helper()
	for _, b := range m.Blocks {
		if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil {
			return s.Text.Text
		}
	}
	t.Fatalf("no section in %s", blocksJSON(t, m))
	return ""
}

func contextText(t *testing.T, m bot.Message) string {
	t.Helper()
	var out []string
	for _, b := range m.Blocks {
		if c, ok := b.(*slack.ContextBlock); ok {
			for _, e := range c.ContextElements.Elements {
				if tx, ok := e.(*slack.TextBlockObject); ok {
					out = append(out, tx.Text)
				}
			}
		}
	}
	return strings.Join(out, "\n")
}

const nullSearch = `{"segment":null,"band":null,"owner":null,"renewal_within_days":null,"min_score":null,"max_score":null,"trend":null,"trend_days":null,"sort":null,"limit":null}`

func TestModelAnswersFromTools(t *testing.T) {
	t.Parallel()
	var acmeID string
	b := setup(t, options{script: []step{
		callTools(call{"search_accounts", `{"segment":null,"band":"red","owner":null,"renewal_within_days":null,"min_score":null,"max_score":null,"trend":null,"trend_days":null,"sort":"score_asc","limit":5}`}),
		callTools(call{"get_account", `{"account":"acme"}`}),
		answer(func(req wireRequest) string {
			// Speak only from the tool result, as a model would.
			res := req.toolResults()
			if len(res) != 1 {
				return "no data"
			}
			var d map[string]any
			content := res[0].Content
			_ = json.Unmarshal([]byte(content[strings.Index(content, ">")+1:strings.LastIndex(content, "</data>")]), &d)
			return fmt.Sprintf("**%s** is the only red account: score %v, %v points over 28 days, renewing %v with $%v MRR. Its weakest driver: %v.",
				d["name"], d["score"], d["change_28d"], d["renewal_date"], d["mrr"], d["weakest_drivers"].([]any)[0].(map[string]any)["label"])
		}),
	}})
	acmeID = strconv.FormatInt(b.fx.IDs["acme"], 10)

	msg, err := b.asker.Answer(context.Background(), ask.Question{Text: "Which accounts are at risk and why?", UserID: "UDANA"})
	require.NoError(t, err)

	reqs := b.model.requests()
	require.Len(t, reqs, 3)
	first := reqs[0]
	require.Equal(t, "test-model", first.Model)
	require.Equal(t, "Bearer test-key", b.model.auth[0])
	require.Equal(t, "system", first.Messages[0].Role)
	require.Contains(t, first.Messages[0].Content, "Today is 2026-03-02 (Monday)")
	require.Contains(t, first.Messages[0].Content, "active_user_ratio (usage): Active users")
	require.Contains(t, first.Messages[0].Content, "Segments: Enterprise, SMB.")
	require.Contains(t, first.Messages[0].Content, "UDANA")
	require.Equal(t, ask.Question{Text: "Which accounts are at risk and why?"}.Text, first.Messages[1].Content)
	var toolNames []string
	for _, tl := range first.Tools {
		toolNames = append(toolNames, tl.Function.Name)
		require.True(t, tl.Function.Strict, tl.Function.Name)
		require.Contains(t, string(tl.Function.Parameters), `"additionalProperties":false`)
	}
	require.Equal(t, []string{"backtest_summary", "get_account", "list_alerts", "list_pulses", "metrics", "portfolio_summary", "score_history", "search_accounts"}, toolNames)

	// Round 2 carries the search result, as data, answering the call's id.
	second := reqs[1]
	assistant := second.Messages[len(second.Messages)-2]
	require.Equal(t, "assistant", assistant.Role)
	require.Equal(t, "search_accounts", assistant.ToolCalls[0].Function.Name)
	res := second.toolResults()
	require.Len(t, res, 1)
	require.Equal(t, assistant.ToolCalls[0].ID, res[0].ToolCallID)
	search := dataOf(t, res[0].Content)
	require.EqualValues(t, 1, search["matched"])
	accounts := search["accounts"].([]any)
	require.Len(t, accounts, 1)
	acme := accounts[0].(map[string]any)
	require.Equal(t, "Acme Logistics", acme["name"])
	require.EqualValues(t, 30, acme["score"])
	require.EqualValues(t, -7.5, acme["change_7d"])
	require.EqualValues(t, 20, acme["days_to_renewal"])

	// Round 3 carries the card data.
	card := dataOf(t, reqs[2].toolResults()[0].Content)
	require.Equal(t, "Dana Scully", card["owner"])
	require.Equal(t, "poor", card["last_pulse"].(map[string]any)["rating"])
	require.Equal(t, "Champion left; budget cut.", card["last_pulse"].(map[string]any)["note"])
	require.Len(t, card["open_alerts"], 1)

	// The answer has the database's numbers, cites the account, links its card.
	text := sectionText(t, msg)
	require.Equal(t, "*Acme Logistics* is the only red account: score 30, -30 points over 28 days, renewing 2026-03-22 with $12000 MRR. Its weakest driver: Active users.", text)
	require.Contains(t, msg.Text, "Acme Logistics is the only red account: score 30")
	require.Equal(t, "Based on: *Acme Logistics* (score 30, red)", contextText(t, msg))
	js := blocksJSON(t, msg)
	require.Contains(t, js, `"action_id":"health_open_card"`)
	require.Contains(t, js, `"value":"`+acmeID+`"`)
	require.False(t, msg.InChannel, "answers are for the asker")
}

func TestModelToolMistakesGoBackToTheModel(t *testing.T) {
	t.Parallel()
	b := setup(t, options{seed: func(t *testing.T, fx fixture) { // a second name starting "acm"
		_, err := fx.St.UpsertAccount(context.Background(), scoring.Account{ExternalID: "acme-robotics", Name: "Acme Robotics"})
		require.NoError(t, err)
	}, script: []step{
		callTools(
			call{"delete_account", `{"account":"acme"}`},
			call{"search_accounts", `{not json`},
			call{"search_accounts", `{"limit":"ten"}`},
			call{"search_accounts", `{"band":"purple"}`},
			call{"search_accounts", `{"drop_table":true}`},
			call{"get_account", `{"account":"nobody"}`},
			call{"get_account", `{"account":"acm"}`},
			call{"score_history", `{"account":"acme","days":5000}`},
		),
		say("Sorry, I could not find that."),
	}})
	msg, err := b.asker.Answer(context.Background(), ask.Question{Text: "delete acme", UserID: "UDANA"})
	require.NoError(t, err, "tool mistakes never reach the user")
	require.Equal(t, "Sorry, I could not find that.", sectionText(t, msg))

	res := b.model.requests()[1].toolResults()
	require.Len(t, res, 8, "every call gets an answer")
	want := []string{
		`there is no tool "delete_account"; the tools are backtest_summary, get_account, list_alerts, list_pulses, metrics, portfolio_summary, score_history, search_accounts`,
		`invalid arguments: not valid JSON (at byte 2)`,
		`invalid arguments: limit has the wrong type (got a JSON string)`,
		`band must be one of green, yellow, red, none, not "purple"`,
		`invalid arguments: unknown argument "drop_table"`,
		`no account matches "nobody"; search_accounts lists accounts`,
		`"acm" matches several accounts: `,
		`days must be between 1 and 365, not 5000`,
	}
	for i, w := range want {
		got := dataOf(t, res[i].Content)["error"]
		require.Contains(t, got, w, "call %d", i)
	}
	require.Contains(t, res[6].Content, "Acme Logistics (id acme)")
}

func TestModelLoopIsBounded(t *testing.T) {
	t.Parallel()
	b := setup(t, options{
		script: []step{callTools(call{"portfolio_summary", `{"group_by":"segment","segment":null}`})}, // forever
		tweak:  func(c *ask.Config) { c.MaxRounds = 3 },
	})
	_, err := b.asker.Answer(context.Background(), ask.Question{Text: "how are the segments?"})
	ue := userError(t, err, healthbot.EINVALID)
	require.Contains(t, ue.Message, "within 3 steps")
	reqs := b.model.requests()
	require.Len(t, reqs, 4, "three rounds of tools, then one last chance to answer")
	require.Nil(t, reqs[2].ToolChoice)
	require.Equal(t, "none", reqs[3].ToolChoice, "the last request asks for an answer, not tools")
}

func TestModelFailuresAreShortAndClear(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		step  step
		code  string
		words string
	}{
		{"server error", status(http.StatusInternalServerError), healthbot.EUNAVAILABLE, "isn't answering right now (HTTP 500)"},
		{"bad gateway", status(http.StatusBadGateway), healthbot.EUNAVAILABLE, "HTTP 502"},
		{"bad key", status(http.StatusUnauthorized), healthbot.EUNAVAILABLE, "OPENAI_API_KEY"},
		{"unknown model", status(http.StatusNotFound), healthbot.EUNAVAILABLE, "OPENAI_MODEL"},
		{"rate limited", status(http.StatusTooManyRequests), healthbot.EUNAVAILABLE, "try again in a minute"},
		{"bad request", status(http.StatusBadRequest), healthbot.EUNAVAILABLE, "couldn't use"},
		{"empty answer", say("   "), healthbot.EUNAVAILABLE, "empty answer"},
		{"no choices", raw(`{"id":"x","object":"chat.completion","choices":[]}`), healthbot.EUNAVAILABLE, "couldn't use"},
		{"not json", raw(`<html>oops</html>`), healthbot.EUNAVAILABLE, "couldn't use"},
		{"slow", hang(), healthbot.EUNAVAILABLE, "didn't answer within 300ms"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, options{script: []step{c.step}, tweak: func(cfg *ask.Config) {
				if c.name == "slow" {
					cfg.Timeout = 300 * time.Millisecond
				}
			}})
			// A question the built-in parser cannot answer either.
			_, err := b.asker.Answer(context.Background(), ask.Question{Text: "which accounts have the most seats per admin?"})
			ue := userError(t, err, c.code)
			require.Contains(t, ue.Message, c.words)
			require.Less(t, len(ue.Message), 200, "short")
		})
	}
}

func TestModelDownFallsBackToBuiltIn(t *testing.T) {
	t.Parallel()
	b := setup(t, options{script: []step{status(http.StatusServiceUnavailable)}})
	msg, err := b.asker.Answer(context.Background(), ask.Question{Text: "which accounts are at risk?"})
	require.NoError(t, err)
	require.Contains(t, contextText(t, msg), "The language model isn't answering right now (HTTP 503). Please try again in a few minutes. Here is the built-in answer meanwhile.")
	require.Contains(t, sectionText(t, msg), "*Acme Logistics* — 🔴 30")
}

// Only a model that is unreachable (down, slow, refusing us) lets the
// built-in parser answer instead; one that answered with something unusable
// is reported as it is, even for a question the parser could answer.
func TestOnlyAnUnreachableModelFallsBackToBuiltIn(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		step     step
		fallback bool
	}{
		{"down", status(http.StatusServiceUnavailable), true},
		{"rate limited", status(http.StatusTooManyRequests), true},
		{"not json", raw(`<html>oops</html>`), false},
		{"bad request", status(http.StatusBadRequest), false},
		{"empty answer", say("   "), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, options{script: []step{c.step}})
			msg, err := b.asker.Answer(context.Background(), ask.Question{Text: "which accounts are at risk?"})
			if c.fallback {
				require.NoError(t, err)
				require.Contains(t, contextText(t, msg), "Here is the built-in answer meanwhile.")
				return
			}
			userError(t, err, healthbot.EUNAVAILABLE)
		})
	}
}

func TestModelTimeoutIsADeadlineNotAHang(t *testing.T) {
	t.Parallel()
	b := setup(t, options{
		script: []step{callTools(call{"get_account", `{"account":"acme"}`}), hang()},
		tweak:  func(cfg *ask.Config) { cfg.Timeout = 300 * time.Millisecond },
	})
	done := make(chan error, 1)
	var msg bot.Message
	go func() {
		var err error
		msg, err = b.asker.Answer(context.Background(), ask.Question{Text: "tell me everything about the seats of acme"})
		done <- err
	}()
	select {
	case err := <-done:
		// "acme" is an account, so the built-in answer steps in.
		require.NoError(t, err)
		require.Len(t, b.model.requests(), 2)
		require.Contains(t, contextText(t, msg), "didn't answer within 300ms")
		require.Contains(t, sectionText(t, msg), "*Acme Logistics* is 🔴 red at *30*")
	case <-time.After(10 * time.Second):
		t.Fatal("Answer hung past its deadline")
	}
}

func TestModelResultsAreCappedAndWrapped(t *testing.T) {
	t.Parallel()
	b := setup(t, options{
		script: []step{callTools(call{"search_accounts", nullSearch}), say("Four accounts.")},
		tweak:  func(cfg *ask.Config) { cfg.ResultChars = 200 },
	})
	_, err := b.asker.Answer(context.Background(), ask.Question{Text: "list accounts"})
	require.NoError(t, err)
	content := b.model.requests()[1].toolResults()[0].Content
	require.True(t, strings.HasPrefix(content, `<data tool="search_accounts">{"as_of":"2026-03-02","matched":4`), content)
	require.True(t, strings.HasSuffix(content, "</data>"))
	require.Contains(t, content, "…[truncated: the result had ")
	require.Less(t, len(content), 400)
}

func TestModelAnswerIsEscapedForSlack(t *testing.T) {
	t.Parallel()
	b := setup(t, options{script: []step{
		callTools(call{"get_account", `{"account":"globex"}`}),
		say("## Globex\n- **Globex** is green. <!channel> <https://evil.example|click> & more"),
	}})
	msg, err := b.asker.Answer(context.Background(), ask.Question{Text: "how is globex"})
	require.NoError(t, err)
	require.Equal(t, "*Globex*\n• *Globex* is green. &lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; more", sectionText(t, msg))
	require.NotContains(t, msg.Text, "<!channel>")
	require.Equal(t, "Based on: *Globex* (score 80, green)", contextText(t, msg))
}

func TestModelOwnerMeIsTheAsker(t *testing.T) {
	t.Parallel()
	b := setup(t, options{script: []step{
		callTools(call{"search_accounts", strings.Replace(nullSearch, `"owner":null`, `"owner":"me"`, 1)}),
		say("You own Acme (the red one) and Initech."),
	}})
	msg, err := b.asker.Answer(context.Background(), ask.Question{Text: "my accounts", UserID: "UDANA"})
	require.NoError(t, err)
	res := dataOf(t, b.model.requests()[1].toolResults()[0].Content)
	require.EqualValues(t, 2, res["matched"])
	require.Equal(t, "Based on: *Acme Logistics* (score 30, red), *Initech* (score 55, yellow)", contextText(t, msg))
	require.Contains(t, blocksJSON(t, msg), `"type":"static_select"`, "several cards: a menu")
}

func TestNewClientSpeaksAzure(t *testing.T) {
	t.Parallel()
	var got *http.Request
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r
		return nil, fmt.Errorf("stop here")
	})
	c, err := ask.NewClient("azure-key", "https://contoso.openai.azure.com/", &http.Client{Transport: rt})
	require.NoError(t, err)
	_, _ = c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: "gpt-4o"})
	require.NotNil(t, got)
	require.Equal(t, "contoso.openai.azure.com", got.URL.Host)
	require.Equal(t, "/openai/deployments/gpt-4o/chat/completions", got.URL.Path)
	require.Equal(t, "2024-10-21", got.URL.Query().Get("api-version"))
	require.Equal(t, "azure-key", got.Header.Get("api-key"))

	c, err = ask.NewClient("", "http://localhost:11434/v1/", &http.Client{Transport: rt})
	require.NoError(t, err)
	_, _ = c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: "llama3.1"})
	require.Equal(t, "http://localhost:11434/v1/chat/completions", got.URL.String())

	_, err = ask.NewClient("k", "ftp://nope", nil)
	require.Error(t, err)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
