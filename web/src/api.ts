// Typed access to the salesgauge API; errors arrive in one envelope.

export class ApiError extends Error {
  constructor(
    public code: string,
    message: string,
    public details?: unknown,
  ) {
    super(message)
  }
}

export type Query = Record<string, string | string[] | undefined>

export function qs(params: Query): string {
  const u = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') continue
    if (Array.isArray(v)) {
      if (v.length) u.set(k, v.join(','))
    } else u.set(k, v)
  }
  const s = u.toString()
  return s ? `?${s}` : ''
}

async function parse<T>(r: Response): Promise<T> {
  const body = await r.json().catch(() => null)
  if (!r.ok) {
    const e = body?.error
    throw new ApiError(e?.code ?? `http_${r.status}`, e?.message ?? r.statusText, e?.details)
  }
  return body as T
}

export async function get<T>(path: string, params: Query = {}, signal?: AbortSignal): Promise<T> {
  return parse<T>(await fetch(`/api/v1/${path}${qs(params)}`, { signal }))
}

export async function send<T>(method: string, path: string, body: unknown): Promise<T> {
  return parse<T>(await fetch(`/api/v1/${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }))
}

export async function upload<T>(path: string, file: File, params: Query = {}): Promise<T> {
  return parse<T>(await fetch(`/api/v1/${path}${qs(params)}`, { method: 'POST', body: file }))
}

export function exportUrl(report: string, table: string, format: 'xlsx' | 'csv', params: Query, lang: string): string {
  return `/api/v1/reports/${report}/export${qs({ ...params, table, format, lang })}`
}

// Shapes of the API documents the pages use.
export type Name = { ru: string; en: string }
export interface Directory {
  users: { id: number; name: string; active: boolean; departments: number[] }[]
  departments: { id: number; name: string; parent_id: number | null }[]
  funnels: { id: number; name: string }[]
  stages: { id: string; funnel_id: number; name: string; sort: number; semantic: string }[]
  sources: { id: string; name: string }[]
}
export interface Meta {
  directory: Directory
  today: string
  settings: { time_zone: string; portal_url: string }
}
export interface Status {
  last_sync_at: number | null
  lag_seconds: number | null
  now: string
  errors: { entity: string; error: string }[]
}
export interface Progress {
  month: string
  plan_amount: number
  plan_count: number
  fact_amount: number
  fact_count: number
  fulfilment_pct: number | null
  fulfilment_count_pct: number | null
  wd_total: number
  wd_elapsed: number
  expected_to_date: number | null
  pace_gap: number | null
  forecast_eom: number | null
  remaining: number
  needed_per_day: number | null
}
