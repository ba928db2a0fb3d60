// Package timeline is the account timeline: `/health log` and `/health
// timeline`, the Log button and modal on cards and alerts, the card's last
// three entries (Health.Timeline) and the alert actions written to it.
// It builds on bot/health (its subcommands and account lookup) and never
// imports package bot.
package timeline
