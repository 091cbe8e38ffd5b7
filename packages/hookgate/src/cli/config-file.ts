/**
 * @module cli/config-file
 * Loading the configuration file for the commands that run from one (`serve`, `migrate`).
 */
import { loadConfig, type GatewayConfig } from '../config.ts'
import { ConfigError } from '../errors.ts'

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
