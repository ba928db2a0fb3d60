// Package conversations turns what people write in channels linked to an
// account into conversation signals: the "message" event handler that
// hands each message to the intake's recorder (saying whether the team or
// the customer wrote it), the Slack lookups it needs (channels by name,
// members' workspace and guest status) and the sentiment classifier.
//
// It never imports package bot (the router imports handlers, not the
// other way round); the handler types it implements live in bot/chat.
package conversations
