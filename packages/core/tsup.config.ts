import { defineConfig } from 'tsup'

const shared = { dts: true, sourcemap: false, target: 'node20', external: ['vitest'] } as const

export default defineConfig([
  { ...shared, entry: { index: 'src/index.ts' }, format: ['esm', 'cjs'], clean: true },
  // The test kits run inside vitest, which only loads as ESM; CommonJS callers reach this build through Node's
  // require(esm) (Node ≥ 20.19), so a CommonJS build would only be one that always throws.
  { ...shared, entry: { 'testing/index': 'src/testing/index.ts' }, format: ['esm'] },
])
