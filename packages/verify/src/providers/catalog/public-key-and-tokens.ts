/**
 * @module providers/catalog/public-key-and-tokens
 * Presets declared as data (see docs/adding-a-provider.md). Each entry is confirmed against the provider's docs
 * and, where one exists, its official SDK; its vector file is test/vectors/<id>.json.
 */
import type { ProviderFactory } from '../../define.ts'

export const publicKeyAndTokens = {} satisfies Record<string, ProviderFactory<object>>
