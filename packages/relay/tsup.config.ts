import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'node20',
  external: [/^@joinery\//, /^@opentelemetry\//, 'pg', '@electric-sql/pglite'],
})
