import { mkdirSync, writeFileSync } from 'node:fs'
import { fmt } from './stats.js'

export interface Comparison {
  readonly name: string
  readonly subject: {
    readonly label: string
    readonly opsPerSecond: number
    readonly p50Ms: number
    readonly p99Ms: number
  }
  readonly baseline: {
    readonly label: string
    readonly opsPerSecond: number
    readonly p50Ms: number
    readonly p99Ms: number
  }
  /** subject ÷ baseline throughput (or the figure itself for non-throughput rows). */
  readonly ratio: number
  readonly target: string
  /** `null` where there is no target (a ceiling, shown for scale). */
  readonly met: boolean | null
}

export function printTable(rows: readonly Comparison[]): string {
  const lines = [
    '| benchmark | Joinery ops/s (p50 / p99 ms) | baseline | baseline ops/s (p50 / p99 ms) | ratio | target | met |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${fmt(r.subject.opsPerSecond, 0)} (${fmt(r.subject.p50Ms, 3)} / ${fmt(r.subject.p99Ms, 3)}) | ${r.baseline.label} | ${fmt(r.baseline.opsPerSecond, 0)} (${fmt(r.baseline.p50Ms, 3)} / ${fmt(r.baseline.p99Ms, 3)}) | ${fmt(r.ratio, 2)} | ${r.target} | ${r.met === null ? '—' : r.met ? 'yes' : 'no'} |`,
    ),
  ]
  return lines.join('\n')
}

/** A bar chart of the ratios against their targets, as SVG. */
export function chart(rows: readonly { name: string; ratio: number; target: number }[]): string {
  const width = 760
  const barHeight = 26
  const left = 260
  const max = Math.max(1.5, ...rows.map((r) => r.ratio), ...rows.map((r) => r.target))
  const x = (v: number) => left + (v / max) * (width - left - 40)
  const bars = rows
    .map((r, i) => {
      const y = 30 + i * (barHeight + 10)
      const ok = r.ratio >= r.target
      return [
        `<text x="${left - 8}" y="${y + 18}" text-anchor="end" font-size="13">${escapeXml(r.name)}</text>`,
        `<rect x="${left}" y="${y}" width="${x(r.ratio) - left}" height="${barHeight}" fill="${ok ? '#3a8' : '#d64'}"/>`,
        `<line x1="${x(r.target)}" x2="${x(r.target)}" y1="${y - 3}" y2="${y + barHeight + 3}" stroke="#222" stroke-width="2"/>`,
        `<text x="${x(r.ratio) + 6}" y="${y + 18}" font-size="12">${r.ratio.toFixed(2)}×</text>`,
      ].join('')
    })
    .join('\n')
  const height = 40 + rows.length * (barHeight + 10)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<text x="10" y="18" font-size="14" font-weight="bold">Joinery ÷ baseline (black line: target)</text>
${bars}
</svg>
`
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;')
}

export function writeResults(dir: string, name: string, data: unknown, svg: string): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}/${name}.json`, `${JSON.stringify(data, null, 2)}\n`)
  writeFileSync(`${dir}/${name}.svg`, svg)
}
