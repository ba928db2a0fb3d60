package blocks

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Check reports every Block Kit limit bs breaks (Slack would reject the
// message): block count, text lengths, field counts, chart rules and
// duplicate action IDs within a block. Tests call it on every rendering.
func Check(bs []slack.Block, maxBlocks int) error {
	var errs []error
	if len(bs) > maxBlocks {
		errs = append(errs, fmt.Errorf("%d blocks, limit %d", len(bs), maxBlocks))
	}
	for i, b := range bs {
		if err := checkBlock(b); err != nil {
			errs = append(errs, fmt.Errorf("block %d (%s): %w", i, b.BlockType(), err))
		}
	}
	return errors.Join(errs...)
}

func checkBlock(b slack.Block) error {
	switch b := b.(type) {
	case *slack.HeaderBlock:
		return textLen(b.Text, MaxHeaderText)
	case *slack.SectionBlock:
		if b.Text == nil && len(b.Fields) == 0 {
			return errors.New("section without text or fields")
		}
		if b.Text != nil {
			if err := textLen(b.Text, MaxSectionText); err != nil {
				return err
			}
		}
		if len(b.Fields) > 10 {
			return fmt.Errorf("%d fields, limit 10", len(b.Fields))
		}
		for _, f := range b.Fields {
			if err := textLen(f, 2000); err != nil {
				return err
			}
		}
		if b.Accessory != nil && b.Accessory.ButtonElement != nil {
			return checkButton(b.Accessory.ButtonElement)
		}
	case *slack.ContextBlock:
		if n := len(b.ContextElements.Elements); n == 0 || n > 10 {
			return fmt.Errorf("%d context elements, want 1–10", n)
		}
		for _, e := range b.ContextElements.Elements {
			if t, ok := e.(*slack.TextBlockObject); ok {
				if err := textLen(t, MaxSectionText); err != nil {
					return err
				}
			}
		}
	case *slack.ActionBlock:
		return checkActions(b)
	case *slack.DataVisualizationBlock:
		return b.Validate()
	}
	return nil
}

func checkActions(b *slack.ActionBlock) error {
	if n := len(b.Elements.ElementSet); n == 0 || n > 25 {
		return fmt.Errorf("%d elements, want 1–25", n)
	}
	ids := map[string]bool{}
	for _, e := range b.Elements.ElementSet {
		btn, ok := e.(*slack.ButtonBlockElement)
		if !ok {
			continue
		}
		if ids[btn.ActionID] {
			return fmt.Errorf("action_id %q twice in one block", btn.ActionID)
		}
		ids[btn.ActionID] = true
		if err := checkButton(btn); err != nil {
			return err
		}
	}
	return nil
}

func checkButton(b *slack.ButtonBlockElement) error {
	if b.ActionID == "" || len(b.ActionID) > 255 {
		return fmt.Errorf("button action_id %q", b.ActionID)
	}
	if len(b.Value) > 2000 {
		return fmt.Errorf("button value of %d characters, limit 2000", len(b.Value))
	}
	return textLen(b.Text, MaxButtonText)
}

func textLen(t *slack.TextBlockObject, limit int) error {
	if t == nil || t.Text == "" {
		return errors.New("empty text")
	}
	if n := utf8.RuneCountInString(t.Text); n > limit {
		return fmt.Errorf("text of %d characters, limit %d", n, limit)
	}
	return nil
}
