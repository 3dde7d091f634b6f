// Period presets relative to the portal's "today".

export type Preset = 'this_month' | 'last_month' | 'this_quarter' | 'last_quarter' | 'this_year' | 'last_30' | 'custom'
export const PRESETS: Preset[] = ['this_month', 'last_month', 'this_quarter', 'last_quarter', 'this_year', 'last_30', 'custom']

const iso = (d: Date) => d.toISOString().slice(0, 10)
const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m, d))

export function presetRange(p: Preset, today: string): { from: string; to: string } {
  const [y, m, d] = today.split('-').map(Number)
  const mi = m - 1
  const q = Math.floor(mi / 3) * 3
  switch (p) {
    case 'last_month':
      return { from: iso(utc(y, mi - 1, 1)), to: iso(utc(y, mi, 0)) }
    case 'this_quarter':
      return { from: iso(utc(y, q, 1)), to: iso(utc(y, q + 3, 0)) }
    case 'last_quarter':
      return { from: iso(utc(y, q - 3, 1)), to: iso(utc(y, q, 0)) }
    case 'this_year':
      return { from: `${y}-01-01`, to: `${y}-12-31` }
    case 'last_30':
      return { from: iso(utc(y, mi, d - 29)), to: today }
    default:
      return { from: iso(utc(y, mi, 1)), to: iso(utc(y, mi + 1, 0)) }
  }
}

export function shiftMonth(ym: string, by: number): string {
  const [y, m] = ym.split('-').map(Number)
  const d = utc(y, m - 1 + by, 1)
  return iso(d).slice(0, 7)
}
