package main

import (
	"context"
	"errors"
)

func importCommand() command {
	return command{
		summary: "import accounts or signals from a CSV file",
		usage:   "import accounts|signals FILE.csv [--map csvcol=field]...",
		run: func(ctx context.Context, e *env, args []string) error {
			return errors.New("import: not built yet")
		},
	}
}
