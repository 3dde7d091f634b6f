import { expect, test, type Page } from '@playwright/test'
import { readFileSync } from 'node:fs'

type Rect = { x: number; y: number; width: number; height: number }
type Chart = { getModel(): { getSeriesByIndex(i: number): { getData(): { getItemLayout(i: number): Rect } } } }

/** Click the first bar of a horizontal bar chart series (ECharts draws on a canvas). */
async function clickFirstBar(page: Page, testid: string, seriesIndex: number) {
  // Wait until the chart has drawn and finished animating (bars grow from zero).
  await expect(page.getByTestId(testid)).toHaveAttribute('data-settled', '1')
  const [x, y] = await page.evaluate(
    ([id, s]) => {
      const c = (window as unknown as { __sgCharts: Record<string, Chart> }).__sgCharts[id as string]
      const r = c.getModel().getSeriesByIndex(s as number).getData().getItemLayout(0)
      return [r.x + Math.max(2, r.width / 2), r.y + r.height / 2]
    },
    [testid, seriesIndex],
  )
  // Measure the chart's place on the page only now: the page above it may have moved.
  const box = await page.getByTestId(testid).boundingBox()
  expect(box).not.toBeNull()
  await page.mouse.click(box!.x + x, box!.y + y)
}

test('plan page: KPIs, month switch, chart cross-filter, chip removal, table export', async ({ page }, info) => {
  await page.goto('/plan?month=2026-10')
  await expect(page.getByTestId('freshness')).toContainText('Данные на')
  await expect(page.getByTestId('plan-current').getByTestId('kpi').first()).toContainText('₽')
  await page.screenshot({ path: info.outputPath('plan-october.png'), fullPage: true })

  // Change the period: the month in the URL and on the page follow.
  const september = page.waitForResponse((r) => r.url().includes('plan-fact') && r.url().includes('month=2026-09'))
  await page.getByTestId('month-prev').click()
  await september
  await expect(page).toHaveURL(/month=2026-09/)
  await expect(page.getByTestId('month')).toHaveText(/Сентябрь 2026/)

  // Cross-filter by clicking the first employee's "fact" bar.
  await expect(page.getByTestId('chart-employees')).toBeVisible()
  await clickFirstBar(page, 'chart-employees', 1)
  await expect(page).toHaveURL(/employee=\d+/)
  const chip = page.getByTestId('chip')
  await expect(chip).toHaveCount(1)
  await expect(chip).toContainText('Сотрудник')
  await expect(page.getByTestId('table-employees').locator('tbody tr')).toHaveCount(1)
  await page.screenshot({ path: info.outputPath('plan-filtered.png'), fullPage: true })
  await chip.getByRole('button').click()
  await expect(page.getByTestId('chip')).toHaveCount(0)
  await expect(page).not.toHaveURL(/employee=/)

  // Export the employees table as a real spreadsheet from the server.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('plan-by-employee').getByTestId('export-xlsx').click()])
  const file = info.outputPath(download.suggestedFilename())
  await download.saveAs(file)
  expect(download.suggestedFilename()).toMatch(/\.xlsx$/)
  expect(readFileSync(file).subarray(0, 2).toString()).toBe('PK')
})

test('dynamics page: period preset, comparison, cross-filter from a chart, reset', async ({ page }, info) => {
  await page.goto('/dynamics?preset=last_quarter')
  await expect(page.getByTestId('dyn-kpis').getByTestId('kpi')).toHaveCount(14)
  const before = await page.getByTestId('dyn-kpis').getByTestId('kpi').first().innerText()
  await page.getByTestId('preset').selectOption('this_year')
  await expect(page).toHaveURL(/preset=this_year/)
  await expect(page.getByTestId('dyn-kpis').getByTestId('kpi').first()).not.toHaveText(before)
  await page.getByTestId('compare').selectOption('yoy')
  await expect(page).toHaveURL(/compare=yoy/)
  await page.screenshot({ path: info.outputPath('dynamics-year.png'), fullPage: true })

  await clickFirstBar(page, 'chart-employees', 0)
  await expect(page).toHaveURL(/employee=\d+/)
  await expect(page.getByTestId('chip')).toHaveCount(1)
  await page.getByTestId('add-source').selectOption({ index: 1 })
  await expect(page.getByTestId('chip')).toHaveCount(2)
  await page.screenshot({ path: info.outputPath('dynamics-filtered.png'), fullPage: true })
  await page.getByTestId('reset-filters').click()
  await expect(page.getByTestId('chip')).toHaveCount(0)

  // The shared deal list pages on the server.
  const list = page.getByTestId('deal-list')
  await expect(list.locator('tbody tr').first()).toBeVisible()
  const [download] = await Promise.all([page.waitForEvent('download'), list.getByTestId('export-csv').click()])
  expect(download.suggestedFilename()).toMatch(/deals_rows\.csv$/)
})

test('plan editor: editing a cell changes fulfilment at once, on the plan page too', async ({ page, request }, info) => {
  // An employee with won deals in October (from the API's own grid facts).
  const grid = await (await request.get('/api/v1/plans?month=2026-10')).json()
  const [uid, fact] = Object.entries(grid.fact as Record<string, { amount: number }>).find(([, v]) => v.amount > 0)!
  const plan = Math.round(fact.amount * 2 * 100) / 100 // → exactly 50 % fulfilment

  await page.goto('/plan/editor?month=2026-10')
  const cell = page.getByTestId(`amount-${uid}-all`)
  await cell.fill(String(plan))
  await cell.press('Tab')
  await expect(page.getByTestId('editor-status')).toHaveText('Сохранено')
  await expect(page.getByTestId(`fulfilment-${uid}`)).toHaveText(/50,0\s%/)
  await page.screenshot({ path: info.outputPath('editor.png'), fullPage: true })

  await page.goto('/plan?month=2026-10')
  const row = page.getByTestId('table-employees').locator('tbody tr', { hasText: grid.departments.flatMap((d: { employees: { id: number; name: string }[] }) => d.employees).find((e: { id: number }) => String(e.id) === uid).name })
  await expect(row.getByTestId('fulfilment')).toHaveText(/50,0\s%/)
})

test('how it is computed lists every metric; English is one click away', async ({ page }, info) => {
  await page.goto('/how')
  await expect(page.getByTestId('definitions').first()).toContainText('won_amount')
  await expect(page.getByTestId('definitions').first()).toContainText('Выручка (успешные)')
  await page.getByTestId('lang').click()
  await expect(page.getByTestId('definitions').first()).toContainText('Won revenue')
  await page.screenshot({ path: info.outputPath('how-en.png'), fullPage: true })
  await page.getByTestId('lang').click()
})

test('working-day calendar: the production calendar, and an edited day changes the month', async ({ page }, info) => {
  await page.goto('/calendar')
  await expect(page.getByTestId('cal-year')).toHaveText('2026')
  await expect(page.getByText('Рабочих дней в году: 247')).toBeVisible()
  const november = page.getByTestId('cal-months').locator('tr', { hasText: 'Ноябрь' })
  await expect(november.locator('td').nth(1)).toHaveText('20')
  // Saturday 28 November 2026 made a working day: November has 21.
  await page.getByTestId('cal-day').fill('2026-11-28')
  await page.getByTestId('cal-working').check()
  await page.getByTestId('cal-save').click()
  await expect(november.locator('td').nth(1)).toHaveText('21')
  await page.screenshot({ path: info.outputPath('calendar.png'), fullPage: true })
  await page.goto('/plan?month=2026-11')
  await expect(page.getByTestId('plan-current')).toContainText('из 21')
  // Put it back.
  await page.goto('/calendar')
  await page.getByTestId('cal-day').fill('2026-11-28')
  await page.getByTestId('cal-working').uncheck()
  await page.getByTestId('cal-save').click()
  await expect(november.locator('td').nth(1)).toHaveText('20')
})
