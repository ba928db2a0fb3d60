package main

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/bottest"
)

const mainSecret = "main-test-signing-secret"

// setupSlackMain starts a Main talking to a fake Slack, with answers to
// response_urls caught.
func setupSlackMain(t *testing.T, mutate func(*Config)) (*Main, *bottest.Slack, *bottest.Catcher) {
	t.Helper()
	fake, hooks := bottest.NewSlack(t, nil), bottest.NewCatcher(t)
	m := setupMain(t, func(c *Config) {
		c.SlackBotToken = "xoxb-main-test"
		c.SlackAPIURL = fake.APIURL()
		if mutate != nil {
			mutate(c)
		}
	})
	return m, fake, hooks
}

func postSigned(t *testing.T, url string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(bottest.SignedRequest(t, url, mainSecret, time.Now(), bottest.FormContent, body))
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(out)
}

func TestMainServesSlackOverHTTP(t *testing.T) {
	t.Parallel()
	m, _, hooks := setupSlackMain(t, func(c *Config) { c.SlackSigningSecret = mainSecret })
	url := "http://" + m.Addr() + "/slack/commands"

	code, body := postSigned(t, url, bottest.CommandBody(bottest.Command("help", hooks.URL("help"))))
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, body)
	require.Contains(t, string(hooks.WaitFor(t, "help").Raw), "/health", "the real /health handler answered")
	_, metrics := get(t, "http://"+m.Addr()+"/metrics")
	require.Contains(t, metrics, "healthbot_slack_jobs_in_flight")
	require.Contains(t, metrics, "healthbot_slack_refused_total 0")

	resp, err := http.Post(url, bottest.FormContent, nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestMainServesSlackOverSocketMode(t *testing.T) {
	t.Parallel()
	m, fake, hooks := setupSlackMain(t, func(c *Config) { c.SlackAppToken = "xapp-main-test" })
	conn := fake.Socket(t)
	id := conn.Send(t, "slash_commands", bottest.Command("help", hooks.URL("sock")))
	require.Empty(t, conn.WaitAck(t, id))
	require.Contains(t, string(hooks.WaitFor(t, "sock").Raw), "/health")

	code, _ := get(t, "http://"+m.Addr()+"/slack/commands")
	require.NotEqual(t, http.StatusOK, code, "without a signing secret the HTTP endpoints are not mounted")
}

// TestMainCloseWaitsForSlackJobs: a shutdown while a handler is still
// working lets it finish and deliver its answer first.
func TestMainCloseWaitsForSlackJobs(t *testing.T) {
	t.Parallel()
	m, _, hooks := setupSlackMain(t, func(c *Config) { c.SlackSigningSecret = mainSecret })
	started, release := make(chan struct{}), make(chan struct{})
	m.router.Command("/slow", bot.CommandFunc(func(context.Context, bot.Request) (bot.Message, error) {
		close(started)
		<-release
		return bot.Message{Text: "finished"}, nil
	}))
	cmd := bottest.Command("", hooks.URL("slow"))
	cmd.Command = "/slow"
	code, _ := postSigned(t, "http://"+m.Addr()+"/slack/commands", bottest.CommandBody(cmd))
	require.Equal(t, http.StatusOK, code)
	<-started

	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	close(release)
	require.NoError(t, <-closed)
	posts := hooks.Posts()
	require.Len(t, posts, 1, "Close returned only after the answer was delivered")
	require.Equal(t, "finished", posts[0].Message.Text)
}
