// Page state in the URL: period, comparison, grain and every filter. A view can be
// bookmarked and shared; every active filter is visible as a chip.
import { computed } from 'vue'
import { useRoute, useRouter, type LocationQueryRaw } from 'vue-router'
import { meta } from './meta'
import { presetRange, type Preset } from './period'
import type { Query } from './api'

export const FILTER_KEYS = ['funnel', 'department', 'employee', 'source', 'stage'] as const
export type FilterKey = (typeof FILTER_KEYS)[number]

export function useFilters() {
  const route = useRoute()
  const router = useRouter()
  const one = (k: string): string | undefined => {
    const v = route.query[k]
    return typeof v === 'string' && v !== '' ? v : undefined
  }
  const list = (k: string): string[] => (one(k) ?? '').split(',').filter(Boolean)

  function update(patch: Record<string, string | undefined>) {
    const query: LocationQueryRaw = { ...route.query }
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '') delete query[k]
      else query[k] = v
    }
    router.replace({ query })
  }

  const filters = computed(() => Object.fromEntries(FILTER_KEYS.map((k) => [k, list(k)])) as Record<FilterKey, string[]>)
  const preset = computed<Preset>(() => (one('preset') as Preset) ?? (one('from') ? 'custom' : 'this_month'))
  const range = computed(() => {
    const today = meta.value?.today ?? new Date().toISOString().slice(0, 10)
    if (preset.value === 'custom') {
      const dflt = presetRange('this_month', today)
      return { from: one('from') ?? dflt.from, to: one('to') ?? dflt.to }
    }
    return presetRange(preset.value, today)
  })
  const compare = computed(() => one('compare') ?? 'previous')
  const grain = computed(() => one('grain'))
  const month = computed(() => one('month') ?? (meta.value?.today ?? new Date().toISOString()).slice(0, 7))

  /** API parameters for a period report. */
  const params = computed<Query>(() => ({ ...filters.value, from: range.value.from, to: range.value.to, compare: compare.value, grain: grain.value }))
  /** API parameters for the month-based plan report. */
  const monthParams = computed<Query>(() => ({ ...filters.value, month: month.value }))

  function add(k: FilterKey, v: string | number) {
    const cur = list(k)
    if (!cur.includes(String(v))) update({ [k]: [...cur, String(v)].join(',') })
  }
  function remove(k: FilterKey, v: string) {
    update({ [k]: list(k).filter((x) => x !== v).join(',') || undefined })
  }
  function resetAll() {
    update(Object.fromEntries(FILTER_KEYS.map((k) => [k, undefined])))
  }
  const active = computed(() => FILTER_KEYS.flatMap((k) => filters.value[k].map((v) => ({ key: k, value: v }))))

  return { filters, preset, range, compare, grain, month, params, monthParams, update, add, remove, resetAll, active, one }
}
