import { test, expect } from '@playwright/test';
import { adminCredentials, gotoHydrated, login } from './helpers';

// Titles, the skip link and the focus ring: what a keyboard or screen-reader user
// meets first on every page.
test('navigation: page titles, skip link, visible focus', async ({ page }) => {
  const admin = adminCredentials();
  await gotoHydrated(page, '/login');
  await expect(page).toHaveTitle('Connexion · RecyClique');
  await login(page, admin.username, admin.password);
  await expect(page).toHaveTitle('Accueil · RecyClique');

  for (const [path, title] of [
    ['/reception', 'Réception · RecyClique'],
    ['/admin/exports', 'Exports · RecyClique'],
    ['/admin/sessions', 'Sessions de caisse · RecyClique'],
    ['/admin/scheduled-reports', 'Rapports programmés · RecyClique'],
  ]) {
    await gotoHydrated(page, path);
    await expect(page).toHaveTitle(title);
  }

  await test.step('the first Tab reaches the skip link, which moves focus to the content', async () => {
    await gotoHydrated(page, '/reception');
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Aller au contenu' });
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport();
    await page.keyboard.press('Enter');
    await expect(page.locator('main#contenu')).toBeFocused();
    // The next Tab goes into the page, past the header.
    await page.keyboard.press('Tab');
    const inMain = await page.evaluate(() => !!document.activeElement?.closest('main'));
    expect(inMain).toBe(true);
  });

  await test.step('a focused control shows a ring of at least 3 px', async () => {
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement as Element);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    expect(outline.style).toBe('solid');
    expect(outline.width).toBeGreaterThanOrEqual(3);
  });
});

test('a bénévole sees their own figures of the day beside the site’s', async ({ page, browser }) => {
  const admin = adminCredentials();
  await login(page, admin.username, admin.password);
  const username = `benevole-kpi-${Date.now()}`;
  const password = 'motdepasse-kpi-1234';
  const created = await page.request.post('/v1/admin/users', {
    data: { username, display_name: 'Bénévole KPI', password, permissions: ['reception.access'], active: true },
  });
  expect(created.status(), await created.text()).toBe(201);
  // The admin oversees the site: no "Moi" block.
  await gotoHydrated(page, '/reception');
  await expect(page.getByTestId('kpi-banner')).toContainText('poids reçu');
  await expect(page.getByTestId('kpi-mine')).toHaveCount(0);

  const context = await browser.newContext();
  const other = await context.newPage();
  await login(other, username, password);
  await gotoHydrated(other, '/reception');
  const mine = other.getByTestId('kpi-mine');
  await expect(mine).toBeVisible();
  await expect(mine).toContainText("Moi aujourd'hui");
  await expect(other.getByTestId('kpi-mine-tickets')).toHaveText('0');
  await expect(other.getByTestId('kpi-mine-entry-weight')).toHaveText('0,00');
  await context.close();
});

// Pages are lazily loaded chunks (app/src/pages/routes.rs): each page hydrates with
// its own code, fetched when it is shown, whether by a full load or by the router, and
// a page never fetches another's. Any error the browser reports fails the test.
test('each page loads its own code and hydrates without an error', async ({ page }) => {
  test.slow();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || /hydrat/i.test(m.text())) errors.push(`console ${m.type()}: ${m.text()}`);
  });
  const chunks: string[] = [];
  page.on('request', (r) => {
    const name = new URL(r.url()).pathname.split('/').pop() || '';
    if (name.endsWith('.wasm')) chunks.push(name);
  });
  const fetched = (route: string) => chunks.some((c) => c.startsWith(`split___${route}_route_view_`));

  const admin = adminCredentials();
  await login(page, admin.username, admin.password);
  // The home page is in the main bundle: no page chunk yet.
  expect(chunks.filter((c) => c.startsWith('split_'))).toEqual([]);

  await test.step('full loads: each page fetches its chunk and no other page’s', async () => {
    for (const [path, route, testid] of [
      ['/reception', 'reception', 'reception-home'],
      ['/caisse', 'till', 'caisse-home'],
      ['/admin', 'admin', 'admin-home'],
      ['/admin/users', 'users', 'users-table'],
      ['/admin/outbox', 'outbox', 'outbox-title'],
      ['/admin/categories', 'categories', 'categories-table'],
      ['/admin/exports', 'exports', 'bulk-format'],
      ['/admin/sites', 'sites', 'admin-sites'],
      ['/admin/sessions', 'sessions', 'admin-sessions'],
      ['/admin/scheduled-reports', 'scheduled_reports', 'scheduled-title'],
    ]) {
      chunks.length = 0;
      await gotoHydrated(page, path);
      await expect(page.getByTestId(testid)).toBeVisible();
      expect(fetched(route), `${path} fetches its chunk`).toBe(true);
      const others = chunks.filter((c) => c.startsWith('split___') && !c.startsWith(`split___${route}_route_view_`));
      expect(others, `${path} fetches no other page`).toEqual([]);
    }
  });

  await test.step('by the router: a page shown by a click fetches its chunk then and works', async () => {
    await gotoHydrated(page, '/');
    chunks.length = 0;
    await page.getByTestId('nav-admin').click();
    await expect(page.getByTestId('admin-home')).toBeVisible();
    expect(fetched('admin')).toBe(true);
    expect(fetched('users')).toBe(false);
    await page.getByTestId('admin-users-link').click();
    await expect(page.getByTestId('users-table')).toBeVisible();
    expect(fetched('users')).toBe(true);
    await page.getByTestId('nav-caisse').click();
    await expect(page.getByTestId('caisse-home')).toBeVisible();
    expect(fetched('till')).toBe(true);
    // Back to a page already shown: its chunk is not fetched again.
    chunks.length = 0;
    await page.goBack();
    await expect(page.getByTestId('users-table')).toBeVisible();
    expect(chunks).toEqual([]);
  });

  expect(errors).toEqual([]);
});
