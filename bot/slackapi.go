package bot

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// SlackConfig is what it takes to talk to a Slack workspace.
type SlackConfig struct {
	BotToken string // xoxb-…, for every Web API call
	AppToken string // xapp-…, only for Socket Mode
	APIURL   string // Web API base, "https://slack.com/api/" unless testing or on GovSlack
	HTTP     *http.Client
}

// NewSlackClient builds the Web API client every part of the bot shares,
// pointed at cfg.APIURL so tests can stand a fake Slack in for the real one.
func NewSlackClient(cfg SlackConfig, log *slog.Logger) *slack.Client {
	httpClient := cfg.HTTP
	if httpClient == nil {
		httpClient = newHTTPClient()
	}
	opts := []slack.Option{
		slack.OptionHTTPClient(httpClient),
		slack.OptionLog(slogOutput{log: log.With("component", "slack")}),
	}
	if cfg.APIURL != "" {
		url := cfg.APIURL
		if !strings.HasSuffix(url, "/") {
			url += "/"
		}
		opts = append(opts, slack.OptionAPIURL(url))
	}
	if cfg.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(cfg.AppToken))
	}
	return slack.New(cfg.BotToken, opts...)
}

// slogOutput lets slack-go's and socketmode's loggers write to slog.
type slogOutput struct{ log *slog.Logger }

// Output logs one line from slack-go at debug level; it only logs what its
// own debug mode asks for, and errors come back to us as values.
func (s slogOutput) Output(_ int, msg string) error {
	s.log.Debug(strings.TrimSpace(msg))
	return nil
}

// newHTTPClient is a client for talking to one Slack host a lot: unlike
// http.DefaultTransport (2 idle connections a host) it keeps enough
// connections open that a burst of answers does not redo TLS handshakes.
func newHTTPClient() *http.Client {
	c := &http.Client{Timeout: 30 * time.Second}
	if def, ok := http.DefaultTransport.(*http.Transport); ok {
		t := def.Clone()
		t.MaxIdleConnsPerHost = 64
		c.Transport = t
	}
	return c
}
