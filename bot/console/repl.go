package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/internal/safely"
)

// Handler is what the console drives: the same /health handler the Slack
// transports use (commands and button clicks).
type Handler interface {
	bot.CommandHandler
	bot.ActionHandler
}

// HomeViewer builds the App Home tab; optional.
type HomeViewer interface {
	HomeView(ctx context.Context, userID string) (slack.HomeTabViewRequest, error)
}

// REPL reads commands from In and prints what Slack would show on Out.
type REPL struct {
	Handler Handler
	Home    HomeViewer        // nil: no "home" command
	As      bot.Request       // who is typing: UserID, UserName, ChannelID
	In      io.Reader         //
	Out     io.Writer         //
	Log     *slog.Logger      // handler errors in detail; users see the safe message
	Prompt  string            // printed before each line when interactive
	Names   map[string]string // Slack user id → name, for mentions; nil: ids

	buttons []Button
}

// Run reads lines until EOF, "quit" or ctx ends. Each line runs in turn; a
// failing or panicking command prints its user-safe message and the loop
// goes on.
func (r *REPL) Run(ctx context.Context) error {
	if r.Log == nil {
		r.Log = slog.New(slog.DiscardHandler)
	}
	sc := bufio.NewScanner(r.In)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for {
		if r.Prompt != "" {
			fmt.Fprint(r.Out, r.Prompt)
		}
		if !sc.Scan() {
			return sc.Err()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		line := strings.TrimSpace(sc.Text())
		if line == "quit" || line == "exit" || line == `\q` {
			return nil
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r.Line(ctx, line)
	}
}

// Line runs one console line. A panic in the handler is logged with its
// stack and shown as the generic apology, like any internal failure.
func (r *REPL) Line(ctx context.Context, line string) {
	err := safely.Call(func() error {
		r.line(ctx, line)
		return nil
	})
	if pe, ok := errors.AsType[*safely.PanicError](err); ok {
		r.Log.ErrorContext(ctx, "console command panicked", "line", line, "panic", pe.Value, "stack", string(pe.Stack))
		fmt.Fprintf(r.Out, "⚠️  %s\n\n", healthbot.InternalMessage)
	}
}

func (r *REPL) line(ctx context.Context, line string) {
	word, rest, _ := strings.Cut(line, " ")
	switch {
	case word == "help" || word == "?":
		fmt.Fprint(r.Out, replHelp)
	case word == "home":
		r.home(ctx)
	case word == "click" || isNumber(word) && rest == "":
		n := word
		if word == "click" {
			n = strings.TrimSpace(rest)
		}
		r.click(ctx, n)
	case strings.HasPrefix(word, "/"):
		req := r.As
		req.Command, req.Text = word, strings.TrimSpace(rest)
		msg, err := r.Handler.HandleCommand(ctx, req)
		r.show(ctx, msg, err)
	default: // plain text: as if typed after /health
		req := r.As
		req.Command, req.Text = "/health", line
		msg, err := r.Handler.HandleCommand(ctx, req)
		r.show(ctx, msg, err)
	}
}

func (r *REPL) click(ctx context.Context, n string) {
	i, err := strconv.Atoi(n)
	if err != nil || i < 1 || i > len(r.buttons) {
		fmt.Fprintf(r.Out, "No button %q on the last message (it has %d).\n\n", n, len(r.buttons))
		return
	}
	b := r.buttons[i-1]
	act := bot.Action{Request: r.As, ActionID: b.ActionID, BlockID: b.BlockID, Value: b.Value}
	act.Command = "/health"
	msg, err := r.Handler.HandleAction(ctx, act)
	r.show(ctx, msg, err)
}

func (r *REPL) home(ctx context.Context) {
	if r.Home == nil {
		fmt.Fprintln(r.Out, "No App Home here.")
		return
	}
	v, err := r.Home.HomeView(ctx, r.As.UserID)
	fmt.Fprintln(r.Out, "(App Home)")
	r.show(ctx, bot.Message{Blocks: v.Blocks.BlockSet}, err)
}

// show prints a reply the way Slack would show it.
func (r *REPL) show(ctx context.Context, msg bot.Message, err error) {
	if err != nil {
		r.Log.WarnContext(ctx, "command failed", "code", healthbot.ErrorCode(err), "err", err)
		fmt.Fprintf(r.Out, "⚠️  %s\n\n", healthbot.ErrorMessage(err))
		return
	}
	switch {
	case msg.DeleteOriginal:
		fmt.Fprintln(r.Out, "(the original message is deleted)")
	case msg.InChannel:
		fmt.Fprintln(r.Out, "(posted in the channel)")
	case msg.ReplaceOriginal:
		fmt.Fprintln(r.Out, "(replaces the message above)")
	}
	if len(msg.Blocks) == 0 {
		fmt.Fprintf(r.Out, "%s\n\n", msg.Text)
		r.buttons = nil
		return
	}
	btns, werr := RenderNamed(r.Out, msg.Blocks, r.Names)
	if werr != nil {
		r.Log.WarnContext(ctx, "console output failed", "err", werr)
	}
	r.buttons = btns
	if len(btns) > 0 {
		fmt.Fprintln(r.Out, "  (type a button's number to click it)")
	}
	fmt.Fprintln(r.Out)
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

const replHelp = `Type what you would type in Slack, e.g.
  /health                 your portfolio
  /health acme            an account card
  /health help            everything /health does
  acme                    the same as /health acme
  3  (or click 3)         click button 3 of the last message
  home                    your App Home tab
  quit                    leave (or Ctrl-D)

`
