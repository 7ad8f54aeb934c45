import { readFileSync } from 'node:fs';
import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { adminCredentials, gotoHydrated, login } from './helpers';

test.describe.configure({ mode: 'serial' });

/** A weight the way screens show it: `4 337,05`, `0,125` (narrow no-break spaces; two
 * decimals, three when the grams need them). */
function screenWeight(kg: number): string {
  const grams = Math.round(kg * 1000);
  const whole = Math.trunc(Math.abs(grams) / 1000).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
  const g = Math.abs(grams) % 1000;
  const decimals = g % 10 === 0 ? (g / 10).toString().padStart(2, '0') : g.toString().padStart(3, '0');
  return `${grams < 0 ? '-' : ''}${whole},${decimals}`;
}

function screenCount(n: number): string {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

type Figures = { period: string; tickets: number; entry_weight_kg: number; exit_weight_kg: number };
type Point = { tickets: number; entry_weight_kg: number; exit_weight_kg: number };
type Dashboard = { own_figures: boolean; periods: Figures[]; daily: Point[]; monthly: Point[] };

async function apiDashboard(request: APIRequestContext): Promise<Dashboard> {
  const r = await request.get('/v1/reception/stats/dashboard');
  expect(r.status()).toBe(200);
  return r.json();
}

/** Yesterday 10:00, Paris time, as the deferred poste form takes it. */
function parisYesterdayMorning(): string {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date(Date.now() - 24 * 3600 * 1000));
  return `${day}T10:00`;
}

/** Yesterday's paper logbook typed in by the admin through the API (a deferred poste):
 * an entry and an exit, on a ticket dated yesterday. Today's desk stays as the other
 * specs expect it: no line today, no poste left open. */
async function seedYesterday(request: APIRequestContext): Promise<void> {
  const open = await request.post('/v1/reception/postes/open', { data: { opened_at: parisYesterdayMorning() } });
  expect(open.status(), 'the admin must have no open poste').toBe(201);
  const poste = (await open.json()).id;
  const categories = await (await request.get('/v1/categories')).json();
  const category = categories.find((c: { archived: boolean }) => !c.archived).id;
  const ticket = await (await request.post('/v1/reception/tickets')).json();
  for (const line of [
    { poids_kg: '1234,5', category_id: category, destination: 'recyclage' },
    { poids_kg: '2,25', category_id: category, destination: 'revente', is_exit: true },
  ]) {
    const r = await request.post(`/v1/reception/tickets/${ticket.id}/lignes`, { data: line });
    expect(r.status()).toBe(201);
  }
  expect((await request.post(`/v1/reception/tickets/${ticket.id}/close`)).status()).toBe(200);
  expect((await request.post(`/v1/reception/postes/${poste}/close`)).status()).toBe(200);
}

async function expectFiguresOf(page: Page, d: Dashboard): Promise<void> {
  for (const p of d.periods) {
    const card = page.getByTestId(`dash-${p.period}-card`);
    await expect(card).toBeVisible();
    await expect(page.getByTestId(`dash-${p.period}-entry`)).toHaveText(screenWeight(p.entry_weight_kg));
    await expect(page.getByTestId(`dash-${p.period}-exit`)).toHaveText(screenWeight(p.exit_weight_kg));
    await expect(page.getByTestId(`dash-${p.period}-tickets`)).toHaveText(screenCount(p.tickets));
  }
}

test('dashboard: figures equal the API, charts with their tables, export', async ({ page }) => {
  test.slow();
  const admin = adminCredentials();
  await login(page, admin.username, admin.password);
  await seedYesterday(page.request);
  await gotoHydrated(page, '/');
  await expect(page.getByTestId('home')).toBeVisible();
  await expect(page.getByTestId('dashboard')).toBeVisible();
  const d = await apiDashboard(page.request);
  expect(d.own_figures).toBe(false);
  expect(d.periods.map((p) => p.period)).toEqual(['today', 'this_week', 'this_month', 'this_year']);
  expect(d.daily[28].entry_weight_kg).toBeGreaterThanOrEqual(1234.5);

  await test.step('the period cards show the API figures', async () => {
    await expectFiguresOf(page, d);
    await expect(page.getByTestId('dashboard-scope')).toContainText('tout le site');
  });

  await test.step('the charts are SVG with words for screen readers and a table', async () => {
    for (const [id, bars] of [['chart-daily', 30], ['chart-monthly', 12]] as const) {
      const svg = page.getByTestId(`${id}-svg`);
      await expect(svg).toHaveAttribute('role', 'img');
      await expect(svg).toHaveAttribute('aria-label', /histogramme/);
      await expect(svg.locator('rect.bar')).toHaveCount(bars * 2);
      await expect(page.getByTestId(id).locator('h3')).not.toBeEmpty();
      const table = page.getByTestId(`${id}-table`);
      await expect(table.locator('tbody tr')).toHaveCount(bars);
      await page.getByTestId(id).locator('summary').click();
      await expect(table).toBeVisible();
    }
    // Today is the last day of the daily table; yesterday, before it, has the API's weights.
    const rows = page.getByTestId('chart-daily-table').locator('tbody tr');
    const today = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date());
    await expect(rows.last().locator('th')).toHaveText(today);
    const yesterday = rows.nth(28);
    await expect(yesterday.locator('td').first()).toHaveText(screenWeight(d.daily[28].entry_weight_kg));
    await expect(yesterday.locator('td').nth(1)).toHaveText(screenWeight(d.daily[28].exit_weight_kg));
  });

  await test.step('the detail of a period: destinations, categories, bénévoles', async () => {
    await expect(page.getByTestId('dash-destinations')).toBeVisible();
    await page.getByTestId('dash-detail-period').selectOption({ label: 'Cette année' });
    await expect(page.getByTestId('dash-destinations')).toContainText('Cette année');
    await expect(page.getByTestId('dash-destinations')).toContainText('Recyclage');
    await expect(page.getByTestId('dash-categories').locator('tbody tr').first()).toBeVisible();
    await expect(page.getByTestId('dash-benevoles')).toBeVisible();
  });

  await test.step('the figures of a period are one click away as CSV', async () => {
    const card = page.getByTestId('dash-this_month-card');
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByTestId('dash-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^reception-lignes-\d{4}-\d{2}-01_\d{4}-\d{2}-\d{2}\.csv$/);
    await expect(card.getByTestId('dash-export-result')).toContainText('téléchargé');
  });

  await test.step('the figures themselves, as a file: cards, days and months, equal to the API', async () => {
    const d = await apiDashboard(page.request);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('dash-figures-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^reception-tableau-de-bord-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
    const rows = text.split('\r\n').filter((l) => l.length > 0);
    expect(rows[0]).toBe('Série;Du;Au;Tickets;Entrées (kg);Sorties (kg)');
    expect(rows).toHaveLength(1 + d.periods.length + d.daily.length + d.monthly.length);
    const kg = (v: number) => v.toFixed(3).replace('.', ',');
    const month = d.periods.find((p) => p.period === 'this_month')!;
    expect(rows[3]).toMatch(new RegExp(`^Ce mois-ci;[0-9-]+;[0-9-]+;${month.tickets};${kg(month.entry_weight_kg)};${kg(month.exit_weight_kg)}$`));
    const yesterday = rows[1 + d.periods.length + 28].split(';');
    expect(yesterday[0]).toBe('Jour');
    expect(yesterday.slice(3)).toEqual([String(d.daily[28].tickets), kg(d.daily[28].entry_weight_kg), kg(d.daily[28].exit_weight_kg)]);
    await expect(page.getByTestId('dash-figures-result')).toContainText('.csv');
  });

  await test.step('below 600 px the tables read as cards', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await expect(page.getByTestId('dash-destinations').locator('thead')).toBeHidden();
    await page.setViewportSize({ width: 1280, height: 720 });
  });
});

test('dashboard: a bénévole sees their own figures', async ({ page, browser }) => {
  const admin = adminCredentials();
  await login(page, admin.username, admin.password);
  const username = `dash-benevole-${Date.now()}`;
  const password = 'mot-de-passe-benevole';
  const created = await page.request.post('/v1/admin/users', {
    data: { username, display_name: 'Bénévole tableau', password, permissions: ['reception.access'] },
  });
  expect(created.status()).toBe(201);

  const context = await browser.newContext();
  const own = await context.newPage();
  await login(own, username, password);
  await expect(own.getByTestId('dashboard')).toBeVisible();
  await expect(own.getByTestId('dashboard-scope')).toContainText('Vos chiffres');
  const before = await apiDashboard(own.request);
  expect(before.own_figures).toBe(true);
  expect(before.periods.every((p) => p.tickets === 0)).toBe(true);
  await expectFiguresOf(own, before);
  await expect(own.getByTestId('dash-benevoles')).toHaveCount(0);

  // The site has figures (the admin's logbook above), the bénévole none of them.
  const site = await apiDashboard(page.request);
  expect(site.daily[28].tickets).toBeGreaterThan(0);
  await expect(own.getByTestId('dash-this_year-tickets')).toHaveText('0');
  await expect(own.getByTestId('dash-this_year-entry')).toHaveText('0,00');
  await context.close();
});
