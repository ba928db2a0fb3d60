package bot

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/bottest"
)

// BenchmarkSlashCommandAck measures how fast /slack/commands answers Slack
// when 200 clients each send signed commands back to back (5 each per
// iteration), with the handlers' answers going to a response_url catcher
// at the same time. ack-p50/p99-ms is server-side (handler entry to
// return), rtt-p99-ms what the clients saw on loopback. Target: p99 < 50 ms.
func BenchmarkSlashCommandAck(b *testing.B) {
	const clients, perClient = 200, 5
	hooks := bottest.NewCatcher(b)
	fake := bottest.NewSlack(b, nil)
	log := discardLogger()
	api := NewSlackClient(SlackConfig{BotToken: "xoxb-test", APIURL: fake.APIURL()}, log)
	router := NewRouter(RouterOptions{Logger: log, Responder: NewSlackResponder(api, nil, nil, log)})
	router.Command("/health", CommandFunc(func(_ context.Context, req Request) (Message, error) {
		return Message{Text: "card for " + req.Text}, nil
	}))
	mux := http.NewServeMux()
	NewHTTPTransport(router, testSecret, HTTPOptions{}).Mount(mux)

	n := b.N * clients * perClient
	server := make([]time.Duration, n)
	client := make([]time.Duration, n)
	var nServer, nClient, busy atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		mux.ServeHTTP(w, r)
		server[nServer.Add(1)-1] = time.Since(start)
	}))
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}

	b.ResetTimer()
	for i := range b.N {
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				for k := range perClient {
					// Every command has its own response_url, as in Slack.
					hook := hooks.URL(fmt.Sprintf("i%d-c%d-k%d", i, c, k))
					body := bottest.CommandBody(bottest.Command(fmt.Sprint("acme ", c), hook))
					req := bottest.SignedRequest(b, srv.URL+"/slack/commands", testSecret, time.Now(), bottest.FormContent, body)
					start := time.Now()
					resp, err := hc.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					out, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					client[nClient.Add(1)-1] = time.Since(start)
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
					}
					if strings.Contains(string(out), BusyText) {
						busy.Add(1)
					}
				}
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := router.Close(ctx); err != nil {
		b.Fatal(err)
	}
	if got := int64(len(hooks.Posts())) + busy.Load(); got != int64(n) {
		b.Fatalf("%d answers delivered + %d busy, want %d", len(hooks.Posts()), busy.Load(), n)
	}
	b.ReportMetric(percentileMS(server[:nServer.Load()], 50), "ack-p50-ms")
	b.ReportMetric(percentileMS(server[:nServer.Load()], 99), "ack-p99-ms")
	b.ReportMetric(percentileMS(client[:nClient.Load()], 99), "rtt-p99-ms")
	b.ReportMetric(float64(busy.Load()), "busy-acks")
}

func percentileMS(d []time.Duration, p int) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[(len(s)-1)*p/100]) / float64(time.Millisecond)
}
