/**
 * @module providers/catalog/body-hmac-j-z
 * Presets declared as data (see docs/adding-a-provider.md). Each entry is confirmed against the provider's docs
 * and, where one exists, its official SDK; its vector file is test/vectors/<id>.json.
 */
import type { ProviderFactory } from '../../define.ts'

export const bodyHmacJZ = {} satisfies Record<string, ProviderFactory<object>>
