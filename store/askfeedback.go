package store

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/store/db"
)

// AskThread is a Slack assistant thread: who opened it, from which channel,
// and the account that channel is linked to (the thread's default subject).
type AskThread struct {
	ChannelID, ThreadTS string
	UserID              string
	ContextChannelID    string
	AccountID           int64 // 0: no default subject
	AccountName         string
	AccountExternalID   string
	Titled              bool
	StartedAt           time.Time
}

// SaveAskThread records a thread as it starts, or its new context.
func (s *Store) SaveAskThread(ctx context.Context, t AskThread) error {
	var acct *int64
	if t.AccountID != 0 {
		acct = &t.AccountID
	}
	err := s.q.UpsertAskThread(ctx, db.UpsertAskThreadParams{
		ChannelID: t.ChannelID, ThreadTs: t.ThreadTS, UserID: t.UserID, ContextChannelID: t.ContextChannelID,
		AccountID: acct, StartedAt: t.StartedAt,
	})
	if err != nil {
		return fmt.Errorf("save assistant thread %s/%s: %w", t.ChannelID, t.ThreadTS, err)
	}
	return nil
}

// AskThread returns a recorded assistant thread, or ErrNotFound.
func (s *Store) AskThread(ctx context.Context, channelID, threadTS string) (AskThread, error) {
	r, err := s.q.GetAskThread(ctx, db.GetAskThreadParams{ChannelID: channelID, ThreadTs: threadTS})
	if err != nil {
		return AskThread{}, notFound(err)
	}
	return AskThread{
		ChannelID: channelID, ThreadTS: threadTS, UserID: r.UserID, ContextChannelID: r.ContextChannelID, Titled: r.Titled,
		AccountID: deref(r.AccountID), AccountName: deref(r.AccountName), AccountExternalID: deref(r.AccountExternalID),
	}, nil
}

// ClaimAskThreadTitle reports whether the thread still needed a title (and
// now counts as titled), so only its first question names it.
func (s *Store) ClaimAskThreadTitle(ctx context.Context, channelID, threadTS string) (bool, error) {
	n, err := s.q.MarkAskThreadTitled(ctx, db.MarkAskThreadTitledParams{ChannelID: channelID, ThreadTs: threadTS})
	if err != nil {
		return false, fmt.Errorf("title assistant thread: %w", err)
	}
	return n > 0, nil
}

// AskAnswerRecord is one answered question, as feedback refers to it.
type AskAnswerRecord struct {
	AskedAt  time.Time
	UserID   string
	Surface  string // command, mention, dm, assistant
	Question string
	Tools    []string // distinct, in the order first called
	Model    string   // "" for the built-in parser
	Streamed bool
}

// RecordAskAnswer stores an answer and returns its id.
func (s *Store) RecordAskAnswer(ctx context.Context, r AskAnswerRecord) (int64, error) {
	tools := r.Tools
	if tools == nil {
		tools = []string{}
	}
	id, err := s.q.InsertAskAnswer(ctx, db.InsertAskAnswerParams{
		AskedAt: r.AskedAt, UserID: r.UserID, Surface: r.Surface, Question: r.Question, Tools: tools, Model: r.Model, Streamed: r.Streamed,
	})
	if err != nil {
		return 0, fmt.Errorf("record answer: %w", err)
	}
	return id, nil
}

// VoteAskAnswer stores (or changes) userID's vote on an answer; ErrNotFound
// if there is no such answer.
func (s *Store) VoteAskAnswer(ctx context.Context, answerID int64, userID string, helpful bool, at time.Time) error {
	n, err := s.q.VoteAskAnswer(ctx, db.VoteAskAnswerParams{AnswerID: answerID, UserID: userID, Helpful: helpful, VotedAt: at})
	if err != nil {
		return fmt.Errorf("vote on answer %d: %w", answerID, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// AskStatRow is answers and votes for one model and surface, or one tool.
type AskStatRow struct {
	Model, Surface, Tool string
	Answers, Up, Down    int64
}

// AskStats reports answers and votes since a time: by model and surface,
// and by tool called.
func (s *Store) AskStats(ctx context.Context, since time.Time) (byModel, byTool []AskStatRow, err error) {
	ms, err := s.q.AskStatsByModel(ctx, since)
	if err != nil {
		return nil, nil, fmt.Errorf("ask stats: %w", err)
	}
	for _, m := range ms {
		byModel = append(byModel, AskStatRow{Model: m.Model, Surface: m.Surface, Answers: m.Answers, Up: m.Up, Down: m.Down})
	}
	ts, err := s.q.AskStatsByTool(ctx, since)
	if err != nil {
		return nil, nil, fmt.Errorf("ask stats: %w", err)
	}
	for _, t := range ts {
		byTool = append(byTool, AskStatRow{Tool: t.Tool, Answers: t.Answers, Up: t.Up, Down: t.Down})
	}
	return byModel, byTool, nil
}

// BacktestRun is a stored `healthbot backtest` report (its JSON).
type BacktestRun struct {
	RanAt       time.Time
	HorizonDays int
	Report      []byte
}

// SaveBacktestRun keeps a backtest's report.
func (s *Store) SaveBacktestRun(ctx context.Context, r BacktestRun) error {
	if err := s.q.InsertBacktestRun(ctx, db.InsertBacktestRunParams{RanAt: r.RanAt, HorizonDays: int32(r.HorizonDays), Report: r.Report}); err != nil {
		return fmt.Errorf("save backtest run: %w", err)
	}
	return nil
}

// LatestBacktestRun returns the newest stored backtest, or ErrNotFound.
func (s *Store) LatestBacktestRun(ctx context.Context) (BacktestRun, error) {
	r, err := s.q.LatestBacktestRun(ctx)
	if err != nil {
		return BacktestRun{}, notFound(err)
	}
	return BacktestRun{RanAt: r.RanAt, HorizonDays: int(r.HorizonDays), Report: r.Report}, nil
}
