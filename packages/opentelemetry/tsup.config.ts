import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'node20',
  // The host's own OpenTelemetry API is used (one global registry per process), never a bundled copy.
  external: [/^@opentelemetry\//, /^@joinery\//],
})
