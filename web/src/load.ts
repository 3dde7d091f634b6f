// Loading without flicker: the previous data stays on screen, and the busy state shows
// only when a request takes longer than a moment.
import { onBeforeUnmount, ref, shallowRef, watch, type WatchSource } from 'vue'
import { ApiError } from './api'

export function useLoad<T>(source: WatchSource<unknown>, fetcher: (signal: AbortSignal) => Promise<T>) {
  const data = shallowRef<T | null>(null)
  const error = ref<string | null>(null)
  const busy = ref(false)
  let ctl: AbortController | null = null
  let timer: ReturnType<typeof setTimeout> | null = null

  async function run() {
    ctl?.abort()
    const mine = new AbortController()
    ctl = mine
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => (busy.value = true), 250)
    try {
      const v = await fetcher(mine.signal)
      if (ctl === mine) {
        data.value = v
        error.value = null
      }
    } catch (e) {
      if (ctl === mine && !(e instanceof DOMException && e.name === 'AbortError')) {
        error.value = e instanceof ApiError ? `${e.message} (${e.code})` : String(e)
      }
    } finally {
      if (ctl === mine) {
        if (timer) clearTimeout(timer)
        busy.value = false
      }
    }
  }
  watch(source, run, { immediate: true, deep: true })
  onBeforeUnmount(() => ctl?.abort())
  return { data, error, busy, reload: run }
}
