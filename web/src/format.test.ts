import { describe, expect, it } from 'vitest'
import { count, date, money, percent } from './format'

describe('Russian formats', () => {
  it('groups thousands with a space and rounds money to rubles', () => {
    expect(money(1234567.49).replace(/\s/g, ' ')).toBe('1 234 567 ₽')
    expect(count(0)).toBe('0')
  })
  it('shows ratios to 0.1 with a comma and no value as a dash', () => {
    expect(percent(12.34).replace(/\s/g, ' ')).toBe('12,3 %')
    expect(percent(null)).toBe('—')
  })
  it('writes dates day first', () => {
    expect(date('2025-02-01')).toBe('01.02.2025')
    expect(date('2025-01-31T22:30:00')).toBe('01.02.2025')
  })
})
