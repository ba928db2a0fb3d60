package alerts

import (
	"fmt"
	"strings"

	"github.com/healthbot/healthbot/scoring"
)

// AlertRoute says where an alert rule posts: the alert channel, the
// owner's DM, both, or nowhere.
type AlertRoute uint8

const (
	RouteOff     AlertRoute = 0
	RouteChannel AlertRoute = 1 << iota
	RouteDM
	RouteBoth = RouteChannel | RouteDM
)

// Channel reports whether the route includes the alert channel.
func (r AlertRoute) Channel() bool { return r&RouteChannel != 0 }

// DM reports whether the route includes the owner's DM.
func (r AlertRoute) DM() bool { return r&RouteDM != 0 }

func (r AlertRoute) String() string {
	switch r {
	case RouteChannel:
		return "channel"
	case RouteDM:
		return "dm"
	case RouteBoth:
		return "both"
	}
	return "off"
}

// AlertRoutes routes each rule; rules not named post to both.
type AlertRoutes map[scoring.AlertKind]AlertRoute

// For is the route of one rule.
func (r AlertRoutes) For(k scoring.AlertKind) AlertRoute {
	if v, ok := r[k]; ok {
		return v
	}
	return RouteBoth
}

// ParseAlertRoutes reads "turned_red=both,expansion=dm,late_invoice=channel"
// (HEALTHBOT_ALERT_ROUTES); routes are both, channel, dm or off. Errors name
// the bad entry.
func ParseAlertRoutes(s string) (AlertRoutes, error) {
	out := AlertRoutes{}
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		name, where, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not rule=route (e.g. expansion=dm)", item)
		}
		kind := scoring.AlertKind(strings.ToLower(strings.TrimSpace(name)))
		if !knownAlertKind(kind) {
			return nil, fmt.Errorf("%q: unknown alert rule %q (rules: %s)", item, name, alertKindList())
		}
		var route AlertRoute
		switch strings.ToLower(strings.TrimSpace(where)) {
		case "both":
			route = RouteBoth
		case "channel":
			route = RouteChannel
		case "dm":
			route = RouteDM
		case "off", "none":
			route = RouteOff
		default:
			return nil, fmt.Errorf("%q: route %q is not both, channel, dm or off", item, where)
		}
		if _, dup := out[kind]; dup {
			return nil, fmt.Errorf("%q: rule %s is routed twice", item, kind)
		}
		out[kind] = route
	}
	return out, nil
}

func knownAlertKind(k scoring.AlertKind) bool {
	for _, x := range scoring.AlertKinds {
		if x == k {
			return true
		}
	}
	return false
}

func alertKindList() string {
	names := make([]string, len(scoring.AlertKinds))
	for i, k := range scoring.AlertKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
