import { describe, expect, it } from 'vitest'
import { ParamsError, parsePhpParams } from './php-params.js'

const parse = (query: string) => parsePhpParams(new URLSearchParams(query))

describe(parsePhpParams, () => {
  it('reads flat values, arrays and maps in bracket notation', () => {
    expect(parse('GROUP_ID=7&USER_ID[]=1&USER_ID[]=2&FILTER[>ID]=3&FILTER[%NAME]=ab')).toEqual({
      GROUP_ID: '7',
      USER_ID: ['1', '2'],
      FILTER: { '>ID': '3', '%NAME': 'ab' },
    })
  })
  it('turns 0,1,2 keys into lists and nests deeper maps', () => {
    expect(parse('A[0]=x&A[1]=y&B[c][d]=1&B[c][e][]=2')).toEqual({ A: ['x', 'y'], B: { c: { d: '1', e: ['2'] } } })
  })
  it('lets a later value win, as PHP does', () => {
    expect(parse('A=1&A=2')).toEqual({ A: '2' })
  })
  it('refuses prototype keys and deep nesting', () => {
    expect(() => parse('__proto__[polluted]=1')).toThrow(ParamsError)
    expect(() => parse(`A${'[x]'.repeat(10)}=1`)).toThrow(ParamsError)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
