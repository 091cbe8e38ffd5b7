#!/usr/bin/env node
/**
 * A small, targeted mutation pass (issue 10 §4): each mutant is one deliberate bug in the verify loop, the ingest
 * handler or the delivery state machine; the test files that should catch it run against it; a mutant the tests
 * do not fail on "survives". Not a test and not in CI (each mutant runs a few test files: minutes in all):
 *   node scripts/mutation-pass.mjs            # all mutants
 *   MUTANTS=verify-window-old node scripts/mutation-pass.mjs
 * The source is restored after every mutant, and on Ctrl-C.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import process from 'node:process'

const VERIFY = 'packages/verify/src/verify.ts'
const HMAC = 'packages/verify/src/schemes/hmac.ts'
const HANDLER = 'packages/hookgate/src/ingest/handler.ts'
const DEDUPE = 'packages/hookgate/src/ingest/dedupe.ts'
const STATE = 'packages/hookgate/src/storage/domain/delivery-state.ts'
const POLICY = 'packages/hookgate/src/delivery/retry-policy.ts'
const VERIFY_TESTS = [
  'packages/verify/test/properties.test.ts',
  'packages/verify/test/vectors.test.ts',
]
const GATEWAY_TESTS = [
  'packages/hookgate/test/gateway/ingest.e2e.test.ts',
  'packages/hookgate/test/gateway/presets.e2e.test.ts',
]

const MUTANTS = [
  {
    id: 'verify-window-old',
    file: VERIFY,
    from: 'if (nowSeconds - timestamp > toleranceSeconds) {',
    to: 'if (nowSeconds - timestamp > toleranceSeconds + 1) {',
    tests: VERIFY_TESTS,
  },
  {
    id: 'verify-window-future',
    file: VERIFY,
    from: 'if (timestamp - nowSeconds > toleranceSeconds) {',
    to: 'if (false) {',
    tests: VERIFY_TESTS,
  },
  {
    id: 'verify-no-window',
    file: VERIFY,
    from: 'if (preset.toleranceSeconds !== undefined)\n    checkWindow(',
    to: 'if (false)\n    checkWindow(',
    tests: VERIFY_TESTS,
  },
  {
    id: 'verify-first-key-only',
    file: VERIFY,
    from: 'for (const key of preset.keys) {',
    to: 'for (const key of preset.keys.slice(0, 1)) {',
    tests: VERIFY_TESTS,
  },
  {
    id: 'verify-accept-mismatch',
    file: VERIFY,
    from: 'if (matched === undefined) {',
    to: 'if (matched === undefined && false) {',
    tests: VERIFY_TESTS,
  },
  {
    // The scratch-buffer compare of encoded MACs (issue 15): equal lengths alone must not pass.
    id: 'hmac-compare-lengths-only',
    file: HMAC,
    from: 'return timingSafeEqual(views[0], views[1])',
    to: 'return views[0].length === views[1].length',
    tests: VERIFY_TESTS,
  },
  {
    id: 'ingest-store-refused',
    file: HANDLER,
    from: '    if (!result.ok) {\n      const facts',
    to: '    if (!result.ok && false) {\n      const facts',
    tests: GATEWAY_TESTS,
  },
  {
    id: 'dedupe-body-only',
    file: DEDUPE,
    from: "return providerEventId !== undefined && providerEventId !== ''",
    to: 'return false',
    tests: [
      'packages/hookgate/test/gateway/ingest.e2e.test.ts',
      'packages/hookgate/test/storage/sqlite.test.ts',
    ],
  },
  {
    id: 'requeue-skips-in-flight',
    file: STATE,
    from: "return status === 'pending' || status === 'in_flight'",
    to: "return status === 'pending'",
    tests: ['packages/hookgate/test/storage/sqlite.test.ts'],
  },
  {
    id: 'gone-not-disabled',
    file: POLICY,
    from: 'disableDestination: true,',
    to: 'disableDestination: false,',
    tests: [
      'packages/hookgate/test/delivery/retry-policy.test.ts',
      'packages/hookgate/test/delivery/worker.test.ts',
    ],
  },
  {
    id: 'gone-retried',
    file: POLICY,
    from: "outcome.kind === 'response' && outcome.statusCode === 410",
    to: "outcome.kind === 'response' && outcome.statusCode === 999",
    tests: [
      'packages/hookgate/test/delivery/retry-policy.test.ts',
      'packages/hookgate/test/delivery/worker.test.ts',
    ],
  },
]

const only = process.env.MUTANTS?.split(',')
const originals = new Map()
const restore = () => {
  for (const [file, text] of originals) writeFileSync(file, text)
}
process.on('SIGINT', () => {
  restore()
  process.exit(130)
})

const rows = []
for (const mutant of MUTANTS.filter((m) => only === undefined || only.includes(m.id))) {
  const source = readFileSync(mutant.file, 'utf8')
  if (!source.includes(mutant.from)) {
    rows.push({ mutant: mutant.id, result: 'NOT APPLIED (source changed: update the script)' })
    continue
  }
  originals.set(mutant.file, source)
  writeFileSync(mutant.file, source.replace(mutant.from, mutant.to))
  const started = Date.now()
  const run = spawnSync('npx', ['vitest', 'run', '--bail=1', ...mutant.tests], {
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  })
  restore()
  originals.delete(mutant.file)
  // The first failing test, so a "killed" is seen to come from an assertion, not from a broken run.
  const killer = /FAIL\s+(.+)/.exec(run.stdout + run.stderr)?.[1]?.slice(0, 90)
  rows.push({
    mutant: mutant.id,
    killedBy: killer ?? '',
    result: run.status === 0 ? 'SURVIVED' : 'killed',
    seconds: Math.round((Date.now() - started) / 1000),
  })
  console.error(`${mutant.id}: ${run.status === 0 ? 'SURVIVED' : 'killed'}`)
}
console.table(rows)
process.exitCode = rows.some((row) => row.result !== 'killed') ? 1 : 0
