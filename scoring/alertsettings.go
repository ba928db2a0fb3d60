package scoring

import (
	"fmt"
	"strings"
	"time"
)

// AlertSettings holds a scorecard's `alerts:` section as written in YAML
// (rule → thresholds), so that alert rules can read their own thresholds
// without the scorecard format knowing every rule.
type AlertSettings map[string]any

// Number reads a numeric setting at a dotted path ("trend_drop.points"),
// returning def when it is not set and an error when it is not a number.
func (a AlertSettings) Number(path string, def float64) (float64, error) {
	v, ok := a.lookup(path)
	if !ok {
		return def, nil
	}
	switch n := v.(type) {
	case int:
		return float64(n), nil
	case int64:
		return float64(n), nil
	case float64:
		return n, nil
	}
	return def, fmt.Errorf("alerts.%s: expected a number, got %v", path, v)
}

// Days reads a duration setting given as a number of days.
func (a AlertSettings) Days(path string, def time.Duration) (time.Duration, error) {
	n, err := a.Number(path, def.Hours()/24)
	return time.Duration(n * 24 * float64(time.Hour)), err
}

// Bool reads a true/false setting.
func (a AlertSettings) Bool(path string, def bool) (bool, error) {
	v, ok := a.lookup(path)
	if !ok {
		return def, nil
	}
	if b, ok := v.(bool); ok {
		return b, nil
	}
	return def, fmt.Errorf("alerts.%s: expected true or false, got %v", path, v)
}

func (a AlertSettings) lookup(path string) (any, bool) {
	var cur any = map[string]any(a)
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, cur != nil
}
