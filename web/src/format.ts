// Russian number and date formats (1 234 567 ₽, 12,3 %, 01.02.2025), English when switched.
import { lang } from './i18n'

const nf = (digits: number) =>
  new Intl.NumberFormat(lang.value === 'ru' ? 'ru-RU' : 'en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits })

export type Unit = 'count' | 'money' | 'percent' | 'days'

/** Money in whole rubles. */
export function money(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—'
  return `${nf(0).format(Math.round(v))} ₽`
}

export function count(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—'
  return nf(0).format(v)
}

export function percent(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—'
  return `${nf(1).format(v)} %`
}

export function days(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—'
  return nf(1).format(v)
}

export function value(v: number | null | undefined, unit: Unit): string {
  switch (unit) {
    case 'money':
      return money(v)
    case 'percent':
      return percent(v)
    case 'days':
      return days(v)
    default:
      return count(v)
  }
}

/** `2025-02-01` or an ISO instant → `01.02.2025` (instants shown in the portal's zone offset). */
export function date(iso: string | null | undefined, offsetHours = 3): string {
  if (!iso) return '—'
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) {
    const [y, m, d] = iso.split('-')
    return lang.value === 'ru' ? `${d}.${m}.${y}` : `${d}/${m}/${y}`
  }
  const t = new Date(iso.endsWith('Z') ? iso : `${iso}Z`)
  const local = new Date(t.getTime() + offsetHours * 3600_000)
  return date(local.toISOString().slice(0, 10))
}

export function monthName(ym: string): string {
  const [y, m] = ym.split('-').map(Number)
  const d = new Date(Date.UTC(y, m - 1, 1))
  const s = d.toLocaleString(lang.value === 'ru' ? 'ru-RU' : 'en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' })
  return s.charAt(0).toUpperCase() + s.slice(1)
}
