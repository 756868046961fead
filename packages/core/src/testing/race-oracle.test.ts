import { describe, expect, it } from 'vitest'
import { isSerialRun, serialRaceRuns } from './race-oracle.js'
import { raceScenario } from './race-scenarios.js'

describe(isSerialRun, () => {
  it('accepts each serial order and refuses a state of one order with the outcomes of another', async () => {
    const [lockFirst, renameFirst] = await serialRaceRuns(raceScenario('lock vs rename'))
    if (!lockFirst || !renameFirst) throw new Error('lock vs rename has two serial orders')
    expect(lockFirst.state).not.toEqual(renameFirst.state)
    expect(isSerialRun(lockFirst, [lockFirst, renameFirst])).toBe(true)
    expect(isSerialRun(renameFirst, [lockFirst, renameFirst])).toBe(true)
    expect(isSerialRun({ state: lockFirst.state, outcomes: renameFirst.outcomes }, [lockFirst, renameFirst])).toBe(
      false,
    )
  })

  it('refuses a StorageError or a throw even where the state would match', async () => {
    const allowed = await serialRaceRuns(raceScenario('join vs group delete'))
    const state = allowed[0]?.state
    if (!state) throw new Error('join vs group delete has serial orders')
    expect(isSerialRun({ state, outcomes: ['StorageError', 'ok'] }, allowed)).toBe(false)
    expect(isSerialRun({ state, outcomes: ['threw: boom', 'ok'] }, allowed)).toBe(false)
  })
})
