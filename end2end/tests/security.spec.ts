import { test, expect, type ConsoleMessage } from '@playwright/test';
import { adminCredentials, gotoHydrated, login } from './helpers';

test.describe.configure({ mode: 'serial' });

test('the pages run under their content security policy', async ({ page }) => {
  test.slow();
  // Anything the policy blocks shows up in the console ("Refused to ...").
  const refused: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
  });
  const admin = adminCredentials();
  await login(page, admin.username, admin.password);
  for (const path of ['/reception', '/caisse', '/admin/users', '/admin/categories', '/admin/exports', '/admin/sites', '/admin/sessions', '/nulle-part']) {
    const response = await page.goto(path);
    expect(response?.headers()['content-security-policy']).toContain("'nonce-");
    await page.waitForSelector('body[data-hydrated="true"]');
  }
  // The category tree is indented by classes, not inline styles.
  await gotoHydrated(page, '/admin/categories');
  await expect(page.getByTestId('categories-table')).toBeVisible();
  expect(refused).toEqual([]);
});

test('logging in works without JavaScript', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
  const page = await context.newPage();
  const admin = adminCredentials();

  // A wrong password: the browser posts the form, comes back to /login with the error.
  await page.goto('/login');
  await page.getByTestId('login-username').fill(admin.username);
  await page.getByTestId('login-password').fill('pas-le-bon-mot-de-passe');
  await page.getByTestId('login-submit').click();
  await page.waitForURL((url) => url.pathname === '/login');
  await expect(page.getByTestId('login-error')).toHaveText('Identifiant ou mot de passe incorrect.');
  // The password never travels in the address.
  expect(page.url()).not.toContain('pas-le-bon');

  // The right one: on to the home page, with a session. (The pages themselves stream
  // what they load and need JavaScript to show it: the session is checked directly.)
  await page.getByTestId('login-username').fill(admin.username);
  await page.getByTestId('login-password').fill(admin.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((url) => url.pathname === '/');
  const me = await context.request.get('/v1/auth/me');
  expect(me.status()).toBe(200);
  expect((await me.json()).username).toBe(admin.username);
  await context.close();
});
