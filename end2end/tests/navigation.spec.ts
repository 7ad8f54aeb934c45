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

// Pages are lazily loaded by area (app/src/pages/routes.rs): each page hydrates with
// its area's code, fetched when one of its pages is first shown, whether by a full
// load or by the router, and never another area's. Any error the browser reports
// fails the test.
test('each page loads its area’s code and hydrates without an error', async ({ page }) => {
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
  const areas = () => chunks.filter((c) => c.startsWith('split_')).map((c) => c.replace(/^split_(.*)_[0-9]+\.wasm$/, '$1'));

  const admin = adminCredentials();
  await login(page, admin.username, admin.password);
  // The home page is in the main bundle: no area's chunk yet.
  expect(areas()).toEqual([]);

  await test.step('full loads: each page fetches its area’s chunk and no other', async () => {
    for (const [path, area, testid] of [
      ['/reception', 'reception_area', 'reception-home'],
      ['/caisse', 'till_area', 'caisse-home'],
      ['/admin', 'admin_area', 'admin-home'],
      ['/admin/users', 'admin_area', 'users-table'],
      ['/admin/outbox', 'admin_area', 'outbox-title'],
      ['/admin/categories', 'admin_area', 'categories-table'],
      ['/admin/exports', 'admin_area', 'bulk-format'],
      ['/admin/sites', 'admin_area', 'admin-sites'],
      ['/admin/sessions', 'admin_area', 'admin-sessions'],
      ['/admin/scheduled-reports', 'admin_area', 'scheduled-title'],
    ]) {
      chunks.length = 0;
      await gotoHydrated(page, path);
      await expect(page.getByTestId(testid)).toBeVisible();
      expect(areas(), `${path} fetches its area’s chunk only`).toEqual([area]);
    }
  });

  await test.step('by the router: an area is fetched at its first page, then not again', async () => {
    await gotoHydrated(page, '/');
    chunks.length = 0;
    await page.getByTestId('nav-admin').click();
    await expect(page.getByTestId('admin-home')).toBeVisible();
    expect(areas()).toEqual(['admin_area']);
    chunks.length = 0;
    await page.getByTestId('admin-users-link').click();
    await expect(page.getByTestId('users-table')).toBeVisible();
    expect(chunks).toEqual([]);
    // The till's chunk on a slow connection: the page says it is loading, then shows.
    await page.route(/\/pkg\/split_till_area_[0-9]+\.wasm$/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.getByTestId('nav-caisse').click();
    await expect(page.getByTestId('routing')).toHaveText('Chargement de la page…');
    await expect(page.getByTestId('caisse-home')).toBeVisible();
    await expect(page.getByTestId('routing')).toBeEmpty();
    expect(areas()).toEqual(['till_area']);
    chunks.length = 0;
    await page.goBack();
    await expect(page.getByTestId('users-table')).toBeVisible();
    expect(chunks).toEqual([]);
  });

  expect(errors).toEqual([]);
});
