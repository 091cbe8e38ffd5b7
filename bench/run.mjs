/**
 * Benchmark driver. `npm run bench` builds, then runs every section in order; `node bench/run.mjs verify`
 * runs the named section(s) only. Benchmarks import the BUILT packages (dist/), as users do.
 *
 * A section is `bench/<name>.mjs` exporting `title` (one line) and `run()`, which prints its own report
 * and resolves to `{ targets: [{ name, pass }] }` (targets may be empty). Add a section by creating its
 * file and appending its name to SECTIONS, in the order it should run.
 */
import process from 'node:process'

/** Every section, in run order. */
const SECTIONS = ['verify', 'ingest', 'adapters', 'postgres', 'delivery', 'hostile', 'dashboard']

const requested = process.argv.slice(2)
const unknown = requested.filter((name) => !SECTIONS.includes(name))
if (unknown.length > 0) {
  console.error(`Unknown bench section(s): ${unknown.join(', ')}. Known: ${SECTIONS.join(', ')}.`)
  process.exit(2)
}
const selected =
  requested.length > 0 ? SECTIONS.filter((name) => requested.includes(name)) : SECTIONS

const results = []
for (const name of selected) {
  const section = await import(`./${name}.mjs`)
  console.log(`\n=== ${name}: ${section.title} ===\n`)
  const started = performance.now()
  const outcome = (await section.run()) ?? { targets: [] }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const missed = outcome.targets.filter((target) => !target.pass)
  console.log(
    `\n--- ${name}: ${outcome.targets.length - missed.length}/${outcome.targets.length} targets met (${seconds} s)`,
  )
  results.push({
    name,
    targets: outcome.targets.length,
    missed: missed.map((target) => target.name),
  })
}

if (results.length > 1) {
  console.log('\n=== summary ===')
  for (const result of results) {
    const status = result.missed.length === 0 ? 'all met' : `MISSED: ${result.missed.join('; ')}`
    console.log(`${result.name}: ${result.targets} targets, ${status}`)
  }
}
