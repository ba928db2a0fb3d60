package store

// SignalKeySQL exposes signalKeySQL to the external tests that check it
// against SignalKey.
const SignalKeySQL = signalKeySQL
