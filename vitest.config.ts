import { defineConfig } from 'vitest/config'

// One run over every package. `dev-source` makes packages import each other's src/ without a build; the rest are
// what Node itself resolves with. Vite's default server conditions also hold `module`, a bundler's condition: with
// it, packages such as @opentelemetry/api resolve to builds that only a bundler can load.
const conditions = ['dev-source', 'node', 'development|production']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts'],
    testTimeout: 30_000,
    // CI also writes a JSON report, from which .ci/run prints the plain 'N passed, N failed' line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/vitest.json' },
  },
})
