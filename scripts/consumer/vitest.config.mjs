// The consumer's own test setup: nothing Joinery-specific.
export default { test: { include: ['*.test.mjs'], testTimeout: 30_000 } }
