/**
 * @module cli/config-file
 * Loading the configuration file for the commands that run from one (`serve`, `migrate`, `prune`…).
 */
import { loadConfig, type GatewayConfig } from '../config.ts'
import { ConfigError } from '../errors.ts'
import { createStorageFromConfig, describeStorage } from '../storage/from-config.ts'
import type { Storage } from '../storage/types.ts'
import { EXIT } from './args.ts'

/**
 * Loads and validates `file`. An invalid configuration is the user's to fix, not a crash: its message is
 * written to stderr as `hookgate <command>: …` and `undefined` returned, so the command exits with
 * `EXIT.usage`. Any other error is thrown as is.
 */
export async function loadConfigOrReport(
  file: string,
  command: string,
): Promise<GatewayConfig | undefined> {
  try {
    return await loadConfig(file)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`hookgate ${command}: ${error.message}\n`)
      return undefined
    }
    throw error
  }
}

/**
 * The one-shot store commands (`migrate`, `prune`): loads the configuration, opens its store, runs `work` and
 * closes the store. An invalid configuration exits `EXIT.usage`; a store that cannot be opened or fails `work`
 * is reported as `hookgate <command>: <store>: <message>` (passwords hidden) and exits `EXIT.failed`.
 */
export async function withConfiguredStore(
  file: string,
  command: string,
  work: (storage: Storage, config: GatewayConfig, where: string) => Promise<number>,
): Promise<number> {
  const config = await loadConfigOrReport(file, command)
  if (config === undefined) return EXIT.usage
  const where = describeStorage(config.storage)
  let storage: Storage
  try {
    storage = createStorageFromConfig(config.storage)
  } catch (error) {
    process.stderr.write(`hookgate ${command}: cannot open ${where}: ${errorMessage(error)}\n`)
    return EXIT.failed
  }
  try {
    return await work(storage, config, where)
  } catch (error) {
    process.stderr.write(`hookgate ${command}: ${where}: ${errorMessage(error)}\n`)
    return EXIT.failed
  } finally {
    await storage.close().catch(() => undefined)
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
