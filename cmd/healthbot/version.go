package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

func versionCommand() command {
	return command{
		summary: "print the build version",
		usage:   "version",
		run: func(ctx context.Context, e *env, args []string) error {
			v := "devel"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
				v = bi.Main.Version
			}
			fmt.Fprintf(e.out, "healthbot %s\n", v)
			return nil
		},
	}
}
