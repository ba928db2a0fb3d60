package bot

import (
	"encoding/json"
	"testing"

	"github.com/slack-go/slack/slackevents"
)

// The assistant pane's events name their user inside assistant_thread;
// the Gate must see it, or a guest's pane would get suggested prompts
// built from account names.
func TestEventPartiesOfAnAssistantThread(t *testing.T) {
	t.Parallel()
	inner := json.RawMessage(`{"type":"assistant_thread_started","assistant_thread":{"user_id":"UGUEST","channel_id":"D1","thread_ts":"1.2","context":{}},"event_ts":"1.2"}`)
	user, channel := eventParties(&slackevents.EventsAPICallbackEvent{InnerEvent: &inner})
	if user != "UGUEST" || channel != "D1" {
		t.Errorf("eventParties = %q, %q; want UGUEST, D1", user, channel)
	}
}
