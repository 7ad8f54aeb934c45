import { expect, type Page } from '@playwright/test';

/** Credentials of the administrator created by the server at first start
 * (scripts/test.sh passes the ones it gave the server). */
export function adminCredentials(): { username: string; password: string } {
  const username = process.env.E2E_ADMIN_USERNAME || 'admin';
  const password = process.env.E2E_ADMIN_PASSWORD;
  if (!password) {
    throw new Error(
      'E2E_ADMIN_PASSWORD is not set: run the browser tests through scripts/test.sh, ' +
        'or export the credentials of the running server’s administrator.',
    );
  }
  return { username, password };
}

/** Waits until the WASM has hydrated the page: a click before that is lost. */
export async function waitHydrated(page: Page): Promise<void> {
  await page.waitForSelector('body[data-hydrated="true"]');
}

/** Full page load of `path`, then waits for hydration. */
export async function gotoHydrated(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await waitHydrated(page);
}

/** Logs in through the /login form and waits for the home page. */
export async function login(page: Page, username: string, password: string): Promise<void> {
  await gotoHydrated(page, '/login');
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  try {
    await page.waitForURL((url) => url.pathname === '/', { timeout: 15_000 });
  } catch (e) {
    // Say why, rather than a bare time-out, when the form shows an error.
    const error = page.getByTestId('login-error');
    const message = (await error.isVisible()) ? await error.innerText() : null;
    throw new Error(`login as "${username}" failed${message ? `: ${message}` : ''} (${e})`);
  }
  await waitHydrated(page);
  await expect(page.getByTestId('header-user')).toBeVisible();
  await expect(page.getByTestId('header-user')).not.toBeEmpty();
}

/** Logs out with the header button and waits for the login page. */
export async function logout(page: Page): Promise<void> {
  await page.getByTestId('logout-button').click();
  await page.waitForURL((url) => url.pathname === '/login');
  await waitHydrated(page);
  await expect(page.getByTestId('login-username')).toBeVisible();
  await expect(page.getByTestId('header-user')).toHaveCount(0);
}
