package connector

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// DescribeCursor says in words where a source's next run starts, for
// `healthbot sync status`; a cursor it cannot read is shown as stored.
func DescribeCursor(source, cursor string) string {
	if cursor == "" {
		return "(start)"
	}
	switch source {
	case "stripe":
		c, err := parseStripeCursor(cursor)
		if err != nil {
			return cursor
		}
		switch c.Mode {
		case stripeModeFull:
			return "full pass, after " + c.After
		case stripeModeEvents:
			return fmt.Sprintf("events pass to %s, after %s", unixUTC(c.Upto), c.Done)
		}
		return "events after " + unixUTC(c.Since)
	case "hubspot":
		var c hubspotCursor
		if json.Unmarshal([]byte(cursor), &c) != nil {
			return cursor
		}
		var parts []string
		if c.Phase != "" {
			parts = append(parts, c.Phase+" in progress")
		}
		for _, phase := range hubspotPhases {
			if ms, ok := c.Since[phase]; ok {
				parts = append(parts, phase+" changed after "+time.UnixMilli(ms).UTC().Format("2006-01-02 15:04 UTC"))
			}
		}
		if len(parts) == 0 {
			return "(start)"
		}
		return strings.Join(parts, "; ")
	}
	return cursor
}

func unixUTC(s int64) string {
	return time.Unix(s, 0).UTC().Format("2006-01-02 15:04 UTC")
}

// transportError drops the request URL (with its query, long for Stripe's
// events) from a transport error, keeping the operation and the cause.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, hostOf(ue.URL), ue.Err)
	}
	return err
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Scheme + "://" + u.Host
	}
	return raw
}
