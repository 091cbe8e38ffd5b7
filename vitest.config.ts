import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['@hookgate/source'] },
  ssr: { resolve: { conditions: ['@hookgate/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    setupFiles: ['./vitest.setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
