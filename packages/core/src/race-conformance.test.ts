import { createInMemoryStore } from './index.js'
import { describeRaceConformance } from './testing/index.js'

// The in-memory store runs one transaction at a time, so every trial must match a serial order: a divergence here
// is a flaw in the suite (or a command that is wrong even serially), not a race.
const store = createInMemoryStore()
describeRaceConformance('the in-memory store', { instances: () => [store, store], trials: 50 })
