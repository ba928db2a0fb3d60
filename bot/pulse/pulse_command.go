package pulse

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// Subcommand is `/health pulse ACCOUNT RATING [reasons] [note]`: it records
// this week's pulse (in the caller's zone) from the command line and
// confirms it ephemerally.
func (p *Pulse) Subcommand(h *health.Health) health.Subcommand {
	return health.Subcommand{
		Name:    "pulse",
		Usage:   "pulse ACCOUNT healthy|concerning|poor [reasons] [note]",
		Summary: "record this week's pulse, e.g. `pulse acme poor champion left`",
		Run: func(ctx context.Context, c health.HealthCall) (chat.Message, error) {
			return p.command(ctx, h, c)
		},
	}
}

func (p *Pulse) command(ctx context.Context, h *health.Health, c health.HealthCall) (chat.Message, error) {
	readings := parsePulseArgs(c.Args)
	if len(readings) == 0 {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "Say which account and how it is doing, e.g. `%s pulse acme poor champion left new CFO is cutting tools`. "+
			"Ratings: healthy, concerning, poor. Reasons: %s. Anything after them is the note.", health.HelpCommand, reasonWords())
	}
	var (
		entry   store.LookupEntry
		args    pulseArgs
		unknown *chat.Message
	)
	for _, r := range readings {
		e, m, err := h.FindAccount(ctx, r.account)
		if err != nil {
			return chat.Message{}, err
		}
		if m == nil {
			entry, args = e, r
			break
		}
		if unknown == nil {
			unknown = m
		}
	}
	if entry.ID == 0 {
		return *unknown, nil
	}
	if entry.Churned {
		return chat.Message{}, healthbot.Errorf(healthbot.EFORBIDDEN, "%s has churned, so it gets no more pulses.", entry.Name)
	}
	csm, err := p.commandCSM(ctx, h, c.Request)
	if err != nil {
		return chat.Message{}, err
	}
	week := scoring.ISOWeek(p.now().In(p.zones.load(csm.TZ)))
	pulse := scoring.Pulse{AccountID: entry.ID, CSMID: csm.ID, Rating: args.rating, Reasons: args.reasons, Note: args.note,
		Week: week, AnsweredAt: p.now(), Source: "slack"}
	if err := pulseTextErr(pulse); err != nil {
		return chat.Message{}, err
	}
	if err := p.store.IntakePulse(ctx, pulse); err != nil {
		return chat.Message{}, pulseWriteErr(err)
	}
	p.redrawAll(ctx, csm.ID, week, entry.ID, nil)
	return chat.Message{Text: blocks.PulseRecordedText(entry.Name, pulse)}, nil
}

// commandCSM is the caller as a CSM; someone not yet known (a manager)
// becomes one by Slack id, so the pulse says who gave it.
func (p *Pulse) commandCSM(ctx context.Context, h *health.Health, req chat.Request) (scoring.CSM, error) {
	c, err := h.CallerCSM(ctx, req.UserID)
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return c, healthbot.Wrap(err, "I could not look you up just now. Please try again.")
	}
	id, err := h.Store().EnsureCSM(ctx, "", req.UserID, req.UserName)
	if err != nil {
		return c, healthbot.Wrap(err, "I could not record who you are just now. Please try again.")
	}
	return scoring.CSM{ID: id, SlackUserID: req.UserID, Name: req.UserName}, nil
}

// pulseArgs is one reading of `/health pulse` text.
type pulseArgs struct {
	account string
	rating  scoring.Rating
	reasons []string
	note    string
}

// parsePulseArgs reads "ACCOUNT RATING [reasons] [note]". An account name
// may itself contain a rating word ("Healthy Pets poor"), so there is one
// reading per rating word that follows at least one word; callers try them
// in order.
func parsePulseArgs(text string) []pulseArgs {
	words := strings.Fields(text)
	var out []pulseArgs
	for i := 1; i < len(words); i++ {
		r, ok := scoring.ParseRating(bare(words[i]))
		if !ok {
			continue
		}
		reasons, note := parseReasons(words[i+1:])
		out = append(out, pulseArgs{account: strings.Join(words[:i], " "), rating: r, reasons: reasons, note: note})
	}
	return out
}

// parseReasons takes the reason codes at the start of words (by label,
// "champion left", or by code, "champion_left"; joined by spaces, commas
// or "and"); the rest is the note.
func parseReasons(words []string) ([]string, string) {
	var codes []string
	i := 0
	for i < len(words) {
		j := i
		for j < len(words) && isReasonSep(words[j]) {
			j++
		}
		code, n := matchReason(words[j:])
		if n == 0 {
			break
		}
		if !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
		i = j + n
	}
	rest := words[i:]
	for len(rest) > 0 && strings.Trim(rest[0], "-—–:;,.") == "" {
		rest = rest[1:]
	}
	return codes, strings.Join(rest, " ")
}

// matchReason finds the longest reason at the start of words and how many
// words it took.
func matchReason(words []string) (string, int) {
	best, took := "", 0
	for _, r := range blocks.PulseReasons() {
		if len(words) > 0 && strings.ReplaceAll(bare(words[0]), "-", "_") == r.Code && took < 1 {
			best, took = r.Code, 1
		}
		label := strings.Fields(strings.ToLower(r.Label))
		if len(label) > len(words) || len(label) <= took {
			continue
		}
		match := true
		for k, w := range label {
			if bare(words[k]) != w {
				match = false
				break
			}
		}
		if match {
			best, took = r.Code, len(label)
		}
	}
	return best, took
}

// bare lower-cases a word and strips the punctuation around it.
func bare(w string) string { return strings.ToLower(strings.Trim(w, ",.;:!?()\"'")) }

func isReasonSep(w string) bool {
	switch bare(w) {
	case "", "and", "&", "+", "/":
		return true
	}
	return false
}

// reasonWords lists the reasons as they can be typed.
func reasonWords() string {
	rs := blocks.PulseReasons()
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = strings.ToLower(r.Label)
	}
	return strings.Join(out, ", ")
}
