// The portal's directories and "today", loaded once per page load.
import { ref } from 'vue'
import { get, type Meta } from './api'

export const meta = ref<Meta | null>(null)

export async function loadMeta(): Promise<Meta> {
  const m = await get<Meta>('meta')
  meta.value = m
  return m
}

export function userName(id: number | string): string {
  return meta.value?.directory.users.find((u) => String(u.id) === String(id))?.name ?? `#${id}`
}
export function departmentName(id: number | string): string {
  return meta.value?.directory.departments.find((d) => String(d.id) === String(id))?.name ?? `#${id}`
}
export function funnelName(id: number | string): string {
  return meta.value?.directory.funnels.find((f) => String(f.id) === String(id))?.name ?? `#${id}`
}
export function sourceName(id: string): string {
  return meta.value?.directory.sources.find((s) => s.id === id)?.name ?? id
}
export function stageName(id: string): string {
  return meta.value?.directory.stages.find((s) => s.id === id)?.name ?? id
}

/** Departments in tree order with their depth, for an indented picker. */
export function departmentTree(): { id: number; name: string; depth: number }[] {
  const deps = meta.value?.directory.departments ?? []
  const out: { id: number; name: string; depth: number }[] = []
  const walk = (parent: number | null, depth: number) => {
    for (const d of deps.filter((x) => x.parent_id === parent)) {
      out.push({ id: d.id, name: d.name, depth })
      walk(d.id, depth + 1)
    }
  }
  walk(null, 0)
  return out
}
