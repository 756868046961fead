import { runQuickstart } from './quickstart.js'

const lines = await runQuickstart()
for (const line of lines) console.log(line)
