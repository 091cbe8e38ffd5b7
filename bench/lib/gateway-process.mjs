/**
 * Shared by `bench/hostile.mjs` and `bench/soak.mjs`: the built `hookgate serve` as a child process on 127.0.0.1
 * (config written to a temp file), one HTTP exchange with its latency, percentiles, RSS sampling and a table printer.
 * Loopback only; every wait is bounded.
 */
import { Buffer } from 'node:buffer'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import process from 'node:process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(
  new URL('../../packages/hookgate/dist/cli/main.js', import.meta.url),
)

/** Starts `hookgate serve` on `config` (written to `dir/hookgate.json`); resolves once it logged its address. */
export async function launchGateway(
  dir,
  config,
  { name = 'hookgate.json', boundMs = 20_000 } = {},
) {
  const configPath = join(dir, name)
  writeFileSync(configPath, JSON.stringify(config))
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--config', configPath, '--log-format', 'json'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  )
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr += chunk
  })
  const logLines = []
  const lines = createInterface({ input: child.stdout })
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`hookgate serve did not listen within ${boundMs} ms: ${stderr}`)),
      boundMs,
    )
    lines.on('line', (line) => {
      if (logLines.length < 10_000) logLines.push(line)
      if (!line.includes('"hookgate listening"')) return
      clearTimeout(timer)
      resolve(new URL(JSON.parse(line).url))
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`hookgate serve exited (${code}) before listening: ${stderr}`))
    })
  })
  return {
    child,
    url,
    exited,
    logLines,
    stderr: () => stderr,
    /** Resident set size of the gateway process in MiB (Linux /proc), undefined once it is gone. */
    rssMiB() {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1])
        return Number.isFinite(kb) ? kb / 1024 : undefined
      } catch {
        return undefined
      }
    },
    async stop(signal = 'SIGTERM', boundMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited
      child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), boundMs)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}

/**
 * One request; resolves `{ status, text, ms }`, status 0 when the connection failed or was cut. Never rejects.
 * `localAddress` picks the client address (127.0.0.x), as the gateway's per-client limits see it.
 */
export function exchange(
  url,
  { method = 'POST', path, headers = {}, body, agent, localAddress, timeoutMs = 30_000 },
) {
  return new Promise((resolve) => {
    const started = performance.now()
    const bytes = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body)
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        agent,
        localAddress,
        headers:
          bytes === undefined ? headers : { ...headers, 'content-length': String(bytes.length) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        )
        res.on('error', () => resolve({ status: 0, text: '', ms: performance.now() - started }))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve({ status: 0, text: '', ms: performance.now() - started }))
    req.end(bytes)
  })
}

export function percentile(values, p) {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

export function median(values) {
  return percentile(values, 50)
}

/** Prints rows (arrays of cells) under `header`, columns padded; the first `left` columns left-aligned. */
export function printTable(header, rows, left = 1) {
  const cells = [header, ...rows].map((row) => row.map((cell) => String(cell)))
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)))
  const line = (row) =>
    row.map((cell, i) => (i < left ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')
  console.log(line(cells[0]))
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'))
  for (const row of cells.slice(1)) console.log(line(row))
}

/**
 * Sends `make()` requests at `perSecond` (open loop: on schedule, whether or not earlier ones were answered) for
 * `seconds`; resolves with every answer. Bounded: at most perSecond × seconds requests.
 */
export async function openLoop(perSecond, seconds, make) {
  const total = Math.max(1, Math.round(perSecond * seconds))
  const intervalMs = 1000 / perSecond
  const started = performance.now()
  const pending = []
  for (let i = 0; i < total; i++) {
    const due = started + i * intervalMs
    const wait = due - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    pending.push(make(i))
  }
  return Promise.all(pending)
}
