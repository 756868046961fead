import { parse as parseQueryString } from 'node:querystring'
import { describe, expect, it } from 'vitest'
import { bodyParams, parsedBodyParams } from './body.js'

const FORM = 'application/x-www-form-urlencoded'
const encoded = 'GROUP_ID=7&USER_ID[]=2&USER_ID[]=3&FILTER[>ID]=3&FILTER[%NAME]=cl&ORDER[NAME]=ASC'

describe(parsedBodyParams, () => {
  it('reads a form a framework parsed flat (express.urlencoded extended: false) as the adapter reads the raw form', async () => {
    const own = await bodyParams(FORM, new TextEncoder().encode(encoded))
    const flat = parseQueryString(encoded)
    expect(parsedBodyParams(FORM, flat)).toEqual(own)
    expect(own).toEqual({
      GROUP_ID: '7',
      USER_ID: ['2', '3'],
      FILTER: { '>ID': '3', '%NAME': 'cl' },
      ORDER: { NAME: 'ASC' },
    })
  })

  it('reads qs-style nesting (extended: true), lists past qs’s array limit included', () => {
    const USER_ID: Record<string, string> = {}
    for (let i = 0; i < 30; i++) USER_ID[String(i)] = String(i + 2)
    const nested = { GROUP_ID: '7', USER_ID, FILTER: { '>ID': '3' } }
    expect(parsedBodyParams(FORM, nested)).toEqual({
      GROUP_ID: '7',
      USER_ID: Array.from({ length: 30 }, (_, i) => String(i + 2)),
      FILTER: { '>ID': '3' },
    })
  })

  it('takes a parsed JSON object as it is, less keys that reach prototypes; refuses a JSON list', () => {
    const parsed = JSON.parse('{"GROUP_ID":7,"FILTER":{"ID":[1,2]},"__proto__":{"x":1},"A":{"constructor":1}}')
    expect(parsedBodyParams('application/json', parsed)).toEqual({ GROUP_ID: 7, FILTER: { ID: [1, 2] }, A: {} })
    expect(() => parsedBodyParams('application/json', [1])).toThrow('the JSON body must be an object')
  })

  it('refuses forbidden names and too deep nesting in parsed forms, as in raw ones', () => {
    expect(() => parsedBodyParams(FORM, { 'A[__proto__][x]': '1' })).toThrow('forbidden parameter name')
    let deep: Record<string, unknown> = { leaf: '1' }
    for (let i = 0; i < 10; i++) deep = { d: deep }
    expect(() => parsedBodyParams(FORM, deep)).toThrow(/nested too deeply/)
  })
})
