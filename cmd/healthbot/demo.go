package main

import (
	"context"
	"errors"
)

func demoCommand() command {
	return command{
		summary: "seed a sample portfolio and show what the team would see",
		usage:   "demo [--seed N] [--accounts N] [--migrate]",
		run: func(ctx context.Context, e *env, args []string) error {
			return errors.New("demo: not built yet")
		},
	}
}
