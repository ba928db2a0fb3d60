// Package app holds the use cases, between cmd (which wires them) and the
// adapters (bot for Slack, store for Postgres): the scoring run, backfill
// and backtest, calibration, the alert run, outcome detection, digest
// assembly, the job claim→run→finish helper (Claim) and the scheduler.
//
// A use case takes the small store and Slack interfaces it needs, declared
// next to it, so it can be driven from the CLI, a scheduled job or a test
// without Slack; it never imports package bot.
package app
