// Sends identify, group and track calls to a healthbot intake with the
// real, unmodified Segment Node library, the way a product backend would.
// Usage: node send.mjs <intake base url> <write key>
// Exits non-zero when any call was not delivered.
import { Analytics } from '@segment/analytics-node'

const [host, writeKey] = process.argv.slice(2)
if (!host || !writeKey) {
  console.error('usage: node send.mjs <intake base url> <write key>')
  process.exit(2)
}

const analytics = new Analytics({ writeKey, host, path: '/v1/batch', flushAt: 3, flushInterval: 200, maxRetries: 2 })
let failed = 0
const done = (what) => (err) => {
  if (err) {
    failed++
    console.error(`${what}: not delivered: ${err.message ?? err}`)
  }
}

analytics.identify({ userId: 'seg-ada', traits: { email: 'ada@acme.test', role: 'admin' } }, done('identify seg-ada'))
analytics.identify({ userId: 'seg-bob', traits: { email: 'bob@acme.test', role: 'member' } }, done('identify seg-bob'))
analytics.group({ userId: 'seg-ada', groupId: 'acme', traits: { name: 'Acme', plan: 'enterprise' } }, done('group seg-ada'))
analytics.group({ userId: 'seg-bob', groupId: 'acme' }, done('group seg-bob'))
analytics.track({ userId: 'seg-ada', event: 'Report Built', properties: { rows: 3 }, timestamp: new Date('2026-03-01T10:00:00Z') }, done('track 1'))
analytics.track({ userId: 'seg-bob', event: 'Dashboard Viewed', timestamp: new Date('2026-03-01T11:00:00Z') }, done('track 2'))
analytics.track({ userId: 'seg-bob', event: 'Export', properties: { format: 'csv' } }, done('track 3'))

await analytics.closeAndFlush({ timeout: 20000 })
console.log(failed === 0 ? 'segmenttest: all calls delivered' : `segmenttest: ${failed} calls not delivered`)
process.exit(failed === 0 ? 0 : 1)
