import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', web: 'src/web.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'node20',
  // The host's own @atproto packages are used, never a bundled copy.
  external: [/^@atproto\//, /^@joinery\//],
})
