import { describe, expect, it } from 'vitest'
import { presetRange, shiftMonth } from './period'

describe('period presets', () => {
  it('computes calendar ranges from the portal date', () => {
    expect(presetRange('this_month', '2026-02-14')).toEqual({ from: '2026-02-01', to: '2026-02-28' })
    expect(presetRange('last_month', '2026-01-14')).toEqual({ from: '2025-12-01', to: '2025-12-31' })
    expect(presetRange('last_quarter', '2026-02-14')).toEqual({ from: '2025-10-01', to: '2025-12-31' })
    expect(presetRange('last_30', '2026-03-01')).toEqual({ from: '2026-01-31', to: '2026-03-01' })
  })
  it('steps months across years', () => {
    expect(shiftMonth('2026-01', -1)).toBe('2025-12')
    expect(shiftMonth('2026-12', 1)).toBe('2027-01')
  })
})
