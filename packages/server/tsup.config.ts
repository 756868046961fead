import { defineConfig } from 'tsup'

// The library entry and the command (bin/joinery-server.mjs loads dist/cli.js). Every dependency stays external:
// npm installs them beside the package.
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: false,
  target: 'node20',
  external: [/^@joinery\//, /^@atproto\//, /^@opentelemetry\//, 'pg', '@electric-sql/pglite', 'selfsigned'],
})
