// Package health is the /health command and what hangs off it: the
// account card, the lists (portfolio, at-risk, movers, renewals, segment),
// account lookup, `/health link`, `/health owner`, the App Home and link
// unfurls. Other features add subcommands with Health.Register (pulse,
// timeline, team).
//
// It never imports package bot: the router imports it (or cmd wires it),
// and the types both sides speak live in bot/chat. Errors a user may read
// are healthbot.Error; ErrUsage marks "cannot read these arguments", which
// /health hands to the Questioner instead.
package health
