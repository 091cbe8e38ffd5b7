/**
 * The build output as a user installs it: plain Node (no `@hookgate/source` condition, no TypeScript) imports
 * `@hookgate/verify` from `dist/`, whose files import nothing but `node:*` builtins and each other, and the
 * `hookgate` binary is an executable script with a shebang.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { beforeAll, describe, expect, it } from 'vitest'
import { providers } from '@hookgate/verify'
import { CLI, ensureBuilt, plainEnv, ROOT, VERIFY_DIST } from './built.ts'

beforeAll(async () => {
  await ensureBuilt()
})

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  )
}

/** Every module specifier in a JS or declaration file: static, dynamic, re-exports, `import type`, `require`. */
function specifiers(path: string): string[] {
  return ts
    .preProcessFile(readFileSync(path, 'utf8'), true, true)
    .importedFiles.map((file) => file.fileName)
}

function node(args: readonly string[]) {
  return spawnSync(process.execPath, args, { cwd: ROOT, env: plainEnv(), encoding: 'utf8' })
}

describe('@hookgate/verify, built', () => {
  it('plain Node imports it from dist, with every preset', () => {
    const script = [
      "const m = await import('@hookgate/verify')",
      "const resolved = import.meta.resolve('@hookgate/verify')",
      'console.log(JSON.stringify({ resolved, providers: Object.keys(m.providers), sign: typeof m.signWebhook }))',
    ].join('\n')
    const run = node(['--input-type=module', '-e', script])
    expect(run.stderr).toBe('')
    const out = JSON.parse(run.stdout) as { resolved: string; providers: string[]; sign: string }
    expect(out.resolved).toBe(new URL('index.js', `file://${VERIFY_DIST}`).href)
    expect(out.providers).toEqual(Object.keys(providers))
    expect(out.sign).toBe('function')
  })

  it('every export target of the package exists after the build', () => {
    const root = join(VERIFY_DIST, '..')
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>
    }
    const targets = Object.values(manifest.exports).flatMap((entry) =>
      typeof entry === 'string' ? [entry] : Object.values(entry as Record<string, string>),
    )
    expect(targets).toContain('./dist/index.js')
    expect(targets).toContain('./dist/index.d.ts')
    for (const target of targets)
      expect({ target, exists: existsSync(join(root, target)) }).toEqual({ target, exists: true })
  })

  it('has zero dependencies: dist imports only node: builtins and its own files', () => {
    const manifest = JSON.parse(
      readFileSync(join(VERIFY_DIST, '..', 'package.json'), 'utf8'),
    ) as Record<string, unknown>
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'])
      expect(manifest[field] ?? {}).toEqual({})

    const modules = files(VERIFY_DIST).filter(
      (path) => path.endsWith('.js') || path.endsWith('.d.ts'),
    )
    expect(modules.filter((path) => path.endsWith('.js')).length).toBeGreaterThan(10)
    const seen = new Set<string>()
    const offending: string[] = []
    for (const path of modules) {
      for (const specifier of specifiers(path)) {
        seen.add(specifier)
        const file = relative(VERIFY_DIST, path)
        if (specifier.startsWith('node:')) continue
        if (!specifier.startsWith('./') && !specifier.startsWith('../')) {
          offending.push(`${file} imports "${specifier}"`)
          continue
        }
        // JS: relative imports were rewritten to the emitted .js files (rewriteRelativeImportExtensions).
        // Declarations keep the source's `.ts` specifiers, which TypeScript resolves to the sibling `.d.ts`.
        const target = path.endsWith('.d.ts')
          ? resolve(dirname(path), specifier.replace(/\.(ts|js)$/, '.d.ts'))
          : resolve(dirname(path), specifier)
        const expected = path.endsWith('.d.ts') ? /\.(ts|js)$/ : /\.js$/
        if (!expected.test(specifier) || !statSync(target, { throwIfNoEntry: false })?.isFile()) {
          offending.push(`${file} imports "${specifier}", which is not an emitted file`)
        }
      }
    }
    expect(offending).toEqual([])
    // The parser does see imports (a check that found none would pass vacuously).
    expect([...seen].some((specifier) => specifier.startsWith('node:'))).toBe(true)
    expect([...seen].some((specifier) => specifier.startsWith('./'))).toBe(true)
  })
})

describe('hookgate binary, built', () => {
  it('is an executable script with a node shebang', () => {
    expect(readFileSync(CLI, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node')
    expect(statSync(CLI).mode & 0o111).toBe(0o111)
    const root = join(dirname(CLI), '..', '..')
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      bin: Record<string, string>
    }
    expect(resolve(root, manifest.bin.hookgate ?? '')).toBe(CLI)
  })

  it('runs directly (shebang) and imports @hookgate/verify from its dist', () => {
    const run = spawnSync(CLI, ['providers', '--json'], {
      cwd: ROOT,
      env: plainEnv(),
      encoding: 'utf8',
    })
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    expect((JSON.parse(run.stdout) as { id: string }[]).map((row) => row.id)).toEqual(
      Object.keys(providers),
    )
  })
})
