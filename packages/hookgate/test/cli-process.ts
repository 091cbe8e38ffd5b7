/**
 * @module test/cli-process
 * A built `hookgate` command in a child process for tests: its stdout and stderr collected line by line,
 * `waitFor` a line (bounded by a deadline, never a sleep), and its exit code.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import { CLI, plainEnv } from './built.ts'

export interface CliProcess {
  readonly child: ChildProcessWithoutNullStreams
  readonly stdout: string[]
  readonly stderr: string[]
  readonly exited: Promise<number | null>
  /** Resolves with the first line (stdout or stderr, past or future) that `match` accepts; rejects at the deadline or exit. */
  waitFor(match: (line: string) => boolean, timeoutMs?: number): Promise<string>
  output(): string
}

export function startCli(
  args: readonly string[],
  env: Record<string, string> = {},
  cwd?: string,
): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...plainEnv(), ...env },
    ...(cwd === undefined ? {} : { cwd }),
  })
  const stdout: string[] = []
  const stderr: string[] = []
  const waiters = new Set<(line: string) => void>()
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  for (const [stream, lines] of [
    [child.stdout, stdout],
    [child.stderr, stderr],
  ] as const) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line)
      for (const waiter of [...waiters]) waiter(line)
    })
  }
  const output = (): string => `${stdout.join('\n')}\n${stderr.join('\n')}`
  return {
    child,
    stdout,
    stderr,
    exited,
    output,
    waitFor(match, timeoutMs = 15_000) {
      const seen = [...stdout, ...stderr].find(match)
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const done = (): void => {
          waiters.delete(check)
          clearTimeout(timer)
        }
        const check = (line: string): void => {
          if (!match(line)) return
          done()
          resolve(line)
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`no matching line within ${timeoutMs} ms; output so far:\n${output()}`))
        }, timeoutMs)
        waiters.add(check)
        void exited.then((code) => {
          if (!waiters.has(check)) return
          done()
          reject(
            new Error(
              `hookgate ${args[0] ?? ''} exited (${code}) before the line; output:\n${output()}`,
            ),
          )
        })
      })
    },
  }
}

/** Runs a command to its end (bounded); returns its exit code and output. */
export async function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
) {
  const process_ = startCli(args, env)
  const timer = setTimeout(() => process_.child.kill('SIGKILL'), timeoutMs)
  const code = await process_.exited
  clearTimeout(timer)
  // The line readers may still hold the last lines: let them drain.
  await new Promise<void>((resolve) => setImmediate(resolve))
  return { code, stdout: process_.stdout.join('\n'), stderr: process_.stderr.join('\n') }
}
