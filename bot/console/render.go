// Package console shows Slack messages as plain text and runs /health in a
// terminal, so the bot can be tried and debugged without Slack.
package console

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot/blocks"
)

// Button is an interactive element the text rendering numbered, so the REPL
// can "click" it.
type Button struct {
	N        int
	Label    string
	ActionID string
	BlockID  string
	Value    string
}

// Render writes bs as readable text and returns the buttons it numbered.
// Every block type healthbot emits is handled; others print as "[type]".
// User mentions print as their Slack id; RenderNamed prints names.
func Render(w io.Writer, bs []slack.Block) ([]Button, error) { return RenderNamed(w, bs, nil) }

// RenderNamed is Render with a Slack user id → name directory, so that a
// card says "Owner: @Maya Chen" as Slack would, not "@U0DEMO02".
func RenderNamed(w io.Writer, bs []slack.Block, names map[string]string) ([]Button, error) {
	r := renderer{w: w, names: names}
	for _, b := range bs {
		r.block(b)
	}
	return r.buttons, r.err
}

type renderer struct {
	w       io.Writer
	names   map[string]string // Slack user id → name
	buttons []Button
	err     error
}

func (r *renderer) printf(format string, args ...any) {
	if r.err == nil {
		_, r.err = fmt.Fprintf(r.w, format, args...)
	}
}

func (r *renderer) block(b slack.Block) {
	switch b := b.(type) {
	case *slack.HeaderBlock:
		t := r.text(b.Text)
		r.printf("%s\n%s\n", t, strings.Repeat("=", max(3, displayWidth(t))))
	case *slack.SectionBlock:
		if b.Text != nil {
			r.printf("%s\n", r.text(b.Text))
		}
		if len(b.Fields) > 0 {
			cells := make([]string, len(b.Fields))
			for i, f := range b.Fields {
				cells[i] = strings.ReplaceAll(r.text(f), "\n", " ")
			}
			r.printf("  %s\n", strings.Join(cells, "   |   "))
		}
		if b.Accessory != nil && b.Accessory.ButtonElement != nil {
			r.printf("  %s\n", r.button(b.Accessory.ButtonElement, b.BlockID))
		}
	case *slack.ContextBlock:
		var parts []string
		for _, e := range b.ContextElements.Elements {
			switch e := e.(type) {
			case *slack.TextBlockObject:
				parts = append(parts, r.text(e))
			case *slack.ImageBlockElement:
				parts = append(parts, "["+e.AltText+"]")
			}
		}
		r.printf("  %s\n", strings.Join(parts, "  "))
	case *slack.ActionBlock:
		var parts []string
		for _, e := range b.Elements.ElementSet {
			switch el := e.(type) {
			case *slack.ButtonBlockElement:
				parts = append(parts, r.button(el, b.BlockID))
			case *slack.SelectBlockElement:
				parts = append(parts, "["+selectLabel(el)+" ▾]")
			default:
				parts = append(parts, "["+string(e.ElementType())+"]")
			}
		}
		r.printf("%s\n", strings.Join(parts, " "))
	case *slack.DividerBlock:
		r.printf("%s\n", strings.Repeat("-", 40))
	case *slack.ImageBlock:
		r.printf("[image: %s]\n", b.AltText)
	case *slack.DataVisualizationBlock:
		r.printf("%s\n", chartText(b))
	default:
		r.printf("[%s block]\n", b.BlockType())
	}
}

// selectLabel is what a menu shows before a pick: its placeholder, else
// its kind.
func selectLabel(s *slack.SelectBlockElement) string {
	if s.Placeholder != nil && s.Placeholder.Text != "" {
		return s.Placeholder.Text
	}
	return s.Type
}

func (r *renderer) button(b *slack.ButtonBlockElement, blockID string) string {
	n := len(r.buttons) + 1
	r.buttons = append(r.buttons, Button{N: n, Label: b.Text.Text, ActionID: b.ActionID, BlockID: blockID, Value: b.Value})
	return fmt.Sprintf("[%d: %s]", n, b.Text.Text)
}

// chartText draws a data-visualisation block as its title and, per series,
// a sparkline with first, last, low and high values.
func chartText(b *slack.DataVisualizationBlock) string {
	var series []slack.DataVisualizationDataSeries
	switch c := b.Chart.(type) {
	case *slack.DataVisualizationLineChart:
		series = c.Series
	case *slack.DataVisualizationAreaChart:
		series = c.Series
	case *slack.DataVisualizationBarChart:
		series = c.Series
	case *slack.DataVisualizationPieChart:
		parts := make([]string, len(c.Segments))
		for i, s := range c.Segments {
			parts[i] = fmt.Sprintf("%s %g", s.Label, s.Value)
		}
		return "[chart] " + b.Title + ": " + strings.Join(parts, ", ")
	}
	lines := []string{"[chart] " + b.Title}
	for _, s := range series {
		if len(s.Data) == 0 {
			continue
		}
		vals := make([]float64, len(s.Data))
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, d := range s.Data {
			vals[i] = d.Value
			lo, hi = math.Min(lo, d.Value), math.Max(hi, d.Value)
		}
		lines = append(lines, fmt.Sprintf("  %s %s  %s %s → %s %s  (low %s, high %s)",
			s.Name, blocks.Sparkline(vals), s.Data[0].Label, blocks.Score(vals[0]),
			s.Data[len(s.Data)-1].Label, blocks.Score(vals[len(vals)-1]), blocks.Score(lo), blocks.Score(hi)))
	}
	return strings.Join(lines, "\n")
}

var (
	linkRe    = regexp.MustCompile(`<(https?://[^|>]+)\|([^>]+)>`)
	mentionRe = regexp.MustCompile(`<([@#!])([^|>]+)(?:\|([^>]+))?>`)
	boldRe    = regexp.MustCompile(`(^|[\s(])\*([^*\n]+)\*`)
	italicRe  = regexp.MustCompile(`(^|[\s(])_([^_\n]+)_`)
)

// text turns mrkdwn into plain text: links become their labels, mentions
// "@U123", markup and entities are removed.
func (r *renderer) text(t *slack.TextBlockObject) string {
	if t == nil {
		return ""
	}
	s := t.Text
	if t.Type == slack.MarkdownType {
		s = linkRe.ReplaceAllString(s, "$2 ($1)")
		s = mentionRe.ReplaceAllStringFunc(s, func(m string) string {
			p := mentionRe.FindStringSubmatch(m)
			if p[3] != "" {
				return p[1] + p[3]
			}
			if name, ok := r.names[p[2]]; ok && p[1] == "@" {
				return "@" + name
			}
			return p[1] + p[2]
		})
		s = boldRe.ReplaceAllString(s, "$1$2")
		s = italicRe.ReplaceAllString(s, "$1$2")
		s = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
	}
	return s
}

func displayWidth(s string) int { return len([]rune(s)) }
