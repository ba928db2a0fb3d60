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
			fs := flags("version", e)
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usagef("unexpected argument %q", fs.Arg(0))
			}
			fmt.Fprintf(e.out, "healthbot %s\n", buildVersion())
			return nil
		},
	}
}

// buildVersion is the module version the binary was built from, or "devel".
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "devel"
}
