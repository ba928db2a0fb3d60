package blocks

import (
	"errors"
	"fmt"
	"slices"

	"github.com/slack-go/slack"
)

// Check reports every Block Kit limit bs breaks (Slack would reject the
// message, Home tab or modal): block count, text lengths, field counts,
// chart rules, inputs, selects, checkboxes and their options, duplicate
// action IDs within a block and duplicate block IDs. Every renderer's tests
// run it; each rule names the page of Slack's reference it comes from.
func Check(bs []slack.Block, maxBlocks int) error {
	var errs []error
	if len(bs) > maxBlocks {
		errs = append(errs, fmt.Errorf("%d blocks, limit %d", len(bs), maxBlocks))
	}
	// https://docs.slack.dev/reference/block-kit/blocks: "block_id … Must be
	// unique for each block in a message" (and in a view).
	ids := map[string]int{}
	for i, b := range bs {
		if id := b.ID(); id != "" {
			if j, dup := ids[id]; dup {
				errs = append(errs, fmt.Errorf("block %d: block_id %q already used by block %d", i, id, j))
			}
			ids[id] = i
			if len(id) > 255 {
				errs = append(errs, fmt.Errorf("block %d: block_id of %d characters, limit 255", i, len(id)))
			}
		}
		if err := checkBlock(b); err != nil {
			errs = append(errs, fmt.Errorf("block %d (%s): %w", i, b.BlockType(), err))
		}
	}
	return errors.Join(errs...)
}

// CheckModal reports the limits a modal view breaks, its blocks included.
// https://docs.slack.dev/reference/views/modal-views
func CheckModal(v slack.ModalViewRequest) error {
	var errs []error
	if err := textLen(v.Title, 24); err != nil {
		errs = append(errs, fmt.Errorf("title: %w", err))
	}
	for name, t := range map[string]*slack.TextBlockObject{"submit": v.Submit, "close": v.Close} {
		if t != nil {
			if err := textLen(t, 24); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	if n := Length(v.PrivateMetadata); n > 3000 {
		errs = append(errs, fmt.Errorf("private_metadata of %d characters, limit 3000", n))
	}
	if len(v.CallbackID) > 255 {
		errs = append(errs, fmt.Errorf("callback_id of %d characters, limit 255", len(v.CallbackID)))
	}
	hasInput := false
	for _, b := range v.Blocks.BlockSet {
		_, in := b.(*slack.InputBlock)
		hasInput = hasInput || in
	}
	if hasInput && v.Submit == nil {
		errs = append(errs, errors.New("submit is required when the view has an input block"))
	}
	if err := Check(v.Blocks.BlockSet, 100); err != nil {
		errs = append(errs, err)
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
	case *slack.InputBlock:
		return checkInput(b)
	case *slack.DataVisualizationBlock:
		return b.Validate()
	case *slack.DataTableBlock:
		return checkDataTable(b)
	case *slack.CarouselBlock:
		return checkCarousel(b)
	case *slack.ContainerBlock:
		if err := b.Validate(); err != nil {
			return err
		}
		return Check(b.ChildBlocks.BlockSet, 10)
	}
	return nil
}

// checkInput: label and hint ≤ 2,000 characters, an element.
// https://docs.slack.dev/reference/block-kit/blocks/input-block
func checkInput(b *slack.InputBlock) error {
	if err := textLen(b.Label, 2000); err != nil {
		return fmt.Errorf("label: %w", err)
	}
	if b.Hint != nil {
		if err := textLen(b.Hint, 2000); err != nil {
			return fmt.Errorf("hint: %w", err)
		}
	}
	if b.Element == nil {
		return errors.New("input without an element")
	}
	return checkElement(b.Element)
}

// checkElement checks the interactive elements healthbot uses.
func checkElement(e slack.BlockElement) error {
	switch e := e.(type) {
	case *slack.ButtonBlockElement:
		return checkButton(e)
	case *slack.PlainTextInputBlockElement:
		return checkTextInput(e)
	case *slack.SelectBlockElement:
		return checkSelect(e)
	case *slack.MultiSelectBlockElement:
		return checkOptions(e.Options, 100, e.ActionID)
	case *slack.CheckboxGroupsBlockElement:
		// https://docs.slack.dev/reference/block-kit/block-elements/checkboxes-element: 1–10 options.
		return checkOptions(e.Options, 10, e.ActionID)
	}
	return nil
}

// checkTextInput: max_length ≤ 3,000, an initial value within it.
// https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element
func checkTextInput(e *slack.PlainTextInputBlockElement) error {
	if e.MaxLength > 3000 {
		return fmt.Errorf("plain_text_input max_length %d, limit 3000", e.MaxLength)
	}
	limit := e.MaxLength
	if limit == 0 {
		limit = 3000
	}
	if n := Length(e.InitialValue); n > limit {
		return fmt.Errorf("plain_text_input initial_value of %d characters, max_length %d", n, limit)
	}
	if e.Placeholder != nil {
		if err := textLen(e.Placeholder, 150); err != nil {
			return fmt.Errorf("placeholder: %w", err)
		}
	}
	return checkActionID(e.ActionID)
}

// checkSelect: a static select has 1–100 options; placeholders ≤ 150.
// https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element
func checkSelect(e *slack.SelectBlockElement) error {
	if e.Placeholder != nil {
		if err := textLen(e.Placeholder, 150); err != nil {
			return fmt.Errorf("placeholder: %w", err)
		}
	}
	if e.Type == slack.OptTypeStatic {
		return checkOptions(e.Options, 100, e.ActionID)
	}
	return checkActionID(e.ActionID)
}

// checkOptions: each option's text ≤ 75 and value ≤ 150 characters.
// https://docs.slack.dev/reference/block-kit/composition-objects/option-object
func checkOptions(opts []*slack.OptionBlockObject, max int, actionID string) error {
	if n := len(opts); n == 0 || n > max {
		return fmt.Errorf("%d options, want 1–%d", n, max)
	}
	values := map[string]bool{}
	for _, o := range opts {
		if err := textLen(o.Text, 75); err != nil {
			return fmt.Errorf("option text: %w", err)
		}
		if o.Value == "" || Length(o.Value) > 150 {
			return fmt.Errorf("option value %q: want 1–150 characters", o.Value)
		}
		if values[o.Value] {
			return fmt.Errorf("option value %q twice", o.Value)
		}
		values[o.Value] = true
		if o.Description != nil {
			if err := textLen(o.Description, 75); err != nil {
				return fmt.Errorf("option description: %w", err)
			}
		}
	}
	return checkActionID(actionID)
}

// https://docs.slack.dev/reference/block-kit/block-elements: action_id ≤ 255.
func checkActionID(id string) error {
	if len(id) > 255 {
		return fmt.Errorf("action_id of %d characters, limit 255", len(id))
	}
	return nil
}

func checkActions(b *slack.ActionBlock) error {
	if n := len(b.Elements.ElementSet); n == 0 || n > 25 {
		return fmt.Errorf("%d elements, want 1–25", n)
	}
	ids := map[string]bool{}
	for _, e := range b.Elements.ElementSet {
		if btn, ok := e.(*slack.ButtonBlockElement); ok {
			if ids[btn.ActionID] {
				return fmt.Errorf("action_id %q twice in one block", btn.ActionID)
			}
			ids[btn.ActionID] = true
		}
		if err := checkElement(e); err != nil {
			return err
		}
	}
	return nil
}

func checkButton(b *slack.ButtonBlockElement) error {
	if b.ActionID == "" || len(b.ActionID) > 255 {
		return fmt.Errorf("button action_id %q", b.ActionID)
	}
	if n := Length(b.Value); n > MaxButtonValue {
		return fmt.Errorf("button value of %d characters, limit %d", n, MaxButtonValue)
	}
	return textLen(b.Text, MaxButtonText)
}

func textLen(t *slack.TextBlockObject, limit int) error {
	if t == nil || t.Text == "" {
		return errors.New("empty text")
	}
	if n := Length(t.Text); n > limit {
		return fmt.Errorf("text of %d characters, limit %d", n, limit)
	}
	return nil
}

// Surface is where blocks are shown; some blocks exist on some only.
type Surface string

const (
	SurfaceMessage Surface = "message"
	SurfaceHome    Surface = "home"
	SurfaceModal   Surface = "modal"
)

// surfaces lists where each newer block may go; blocks not listed go
// anywhere. Data tables and carousels: messages and Home
// (https://docs.slack.dev/reference/block-kit/blocks/data-table-block,
// https://docs.slack.dev/reference/block-kit/blocks/carousel-block);
// containers and charts: messages
// (https://docs.slack.dev/reference/block-kit/blocks/container-block).
var surfaces = map[slack.MessageBlockType][]Surface{
	slack.MBTDataTable:         {SurfaceMessage, SurfaceHome},
	slack.MBTCarousel:          {SurfaceMessage, SurfaceHome},
	slack.MBTContainer:         {SurfaceMessage},
	slack.MBTDataVisualization: {SurfaceMessage},
}

// CheckOn is Check with the surface's block limit (50 in a message, 100 in
// Home and modals) and the rule of which blocks the surface takes.
func CheckOn(s Surface, bs []slack.Block) error {
	limit := MaxBlocks
	if s != SurfaceMessage {
		limit = MaxHomeBlocks
	}
	var errs []error
	if err := Check(bs, limit); err != nil {
		errs = append(errs, err)
	}
	for i, b := range bs {
		if allowed, ok := surfaces[b.BlockType()]; ok && !slices.Contains(allowed, s) {
			errs = append(errs, fmt.Errorf("block %d: %s blocks are not allowed in a %s", i, b.BlockType(), s))
		}
	}
	return errors.Join(errs...)
}
