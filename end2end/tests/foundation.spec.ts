import { test, expect } from '@playwright/test';
import { adminCredentials, gotoHydrated, login, logout } from './helpers';

// The steps build on each other (a user is created, then used): one test,
// and serial in case more are added to this file.
test.describe.configure({ mode: 'serial' });

test.describe('foundation', () => {
  test('users, permissions and the outbox', async ({ page }) => {
    // A whole scenario with about ten full page loads of the debug WASM:
    // three times the default 60 s.
    test.slow();
    const admin = adminCredentials();
    // Unique per run, so the test also passes against a long-lived dev database.
    const username = `benevole${Date.now() % 100000}`;
    const displayName = `Bénévole ${username}`;
    const password = `Recyclique-${username}-motdepasse`;

    await test.step('the login form is labelled', async () => {
      await gotoHydrated(page, '/login');
      await expect(page.getByLabel('Identifiant')).toHaveAttribute('data-testid', 'login-username');
      await expect(page.getByLabel('Mot de passe')).toHaveAttribute('data-testid', 'login-password');
      await expect(page.getByTestId('login-submit')).toHaveText('Se connecter');
    });

    await test.step('the administrator logs in and sees every section', async () => {
      await login(page, admin.username, admin.password);
      await expect(page.getByTestId('nav-reception')).toHaveText('Réception');
      await expect(page.getByTestId('nav-caisse')).toHaveText('Caisse');
      await expect(page.getByTestId('nav-admin')).toHaveText('Administration');
      await expect(page.getByTestId('logout-button')).toHaveText('Se déconnecter');
    });

    await test.step('the administrator creates a user with reception access only', async () => {
      await gotoHydrated(page, '/admin/users');
      await expect(page.getByTestId('users-table')).toBeVisible();
      // The administrator appears in the list.
      await expect(page.getByTestId(`user-row-${admin.username}`)).toContainText(admin.username);

      await page.getByTestId('user-form-username').fill(username);
      await page.getByTestId('user-form-display-name').fill(displayName);
      await page.getByTestId('user-form-password').fill(password);
      await page.getByTestId('user-form-perm-reception.access').check();
      await expect(page.getByTestId('user-form-perm-caisse.access')).not.toBeChecked();
      await expect(page.getByTestId('user-form-perm-admin')).not.toBeChecked();
      await expect(page.getByTestId('user-form-active')).toBeChecked();
      await expect(page.getByTestId('user-form-submit')).toHaveText("Créer l'utilisateur");
      await page.getByTestId('user-form-submit').click();

      await expect(page.getByTestId('user-form-message')).toBeVisible();
      await expect(page.getByTestId('user-form-message')).not.toBeEmpty();
      await expect(page.getByTestId('user-form-error')).toBeHidden();

      const row = page.getByTestId(`user-row-${username}`);
      await expect(row).toContainText(username);
      await expect(row).toContainText(displayName);
      await expect(row).toContainText(/reception\.access|réception/i);
      await expect(row).not.toContainText(/caisse/i);
      await expect(row).not.toContainText(/administration|\badmin\b/i);
    });

    await test.step('the administrator logs out', async () => {
      await logout(page);
    });

    await test.step('the new user sees Réception but not Administration', async () => {
      await login(page, username, password);
      await expect(page.getByTestId('header-user')).toContainText(displayName);
      const reception = page.getByTestId('nav-reception');
      await expect(reception).toHaveText('Réception');
      await expect(reception).toHaveAttribute('href', '/reception');
      await expect(page.getByTestId('nav-caisse')).toHaveCount(0);
      await expect(page.getByTestId('nav-admin')).toHaveCount(0);
    });

    await test.step('the new user is refused the administration pages', async () => {
      await gotoHydrated(page, '/admin');
      await expect(page.getByTestId('access-denied')).toBeVisible();
      await expect(page.getByTestId('access-denied')).toContainText('Accès refusé');
      // Typing the address of a sub-page must not show its data either.
      await gotoHydrated(page, '/admin/users');
      await expect(page.getByTestId('users-table')).toHaveCount(0);
      await expect(page.getByTestId(`user-row-${admin.username}`)).toHaveCount(0);
      await logout(page);
    });

    await test.step('the logout page ends the session', async () => {
      await login(page, username, password);
      await gotoHydrated(page, '/logout');
      await page.getByTestId('logout-confirm').click();
      await expect(page.getByTestId('logout-done')).toHaveText('Vous êtes déconnecté.');
      await gotoHydrated(page, '/reception');
      await page.waitForURL((url) => url.pathname === '/login');
    });

    await test.step('the administrator sends a test e-mail and finds it in the outbox', async () => {
      const recipient = 'test@example.org';
      await login(page, admin.username, admin.password);
      await gotoHydrated(page, '/admin/outbox');
      await expect(page.getByTestId('outbox-title')).toBeVisible();
      await expect(page.getByTestId('outbox-title')).not.toBeEmpty();
      // The list has loaded (rows or the empty state) before we count.
      await expect(page.getByTestId('outbox-table').or(page.getByTestId('outbox-empty')).first()).toBeVisible();

      const testMails = page
        .getByTestId('outbox-row')
        .filter({ hasText: 'e-mail de test' })
        .filter({ hasText: recipient });
      const before = await testMails.count();

      await expect(page.getByLabel('Destinataire')).toHaveAttribute('data-testid', 'outbox-test-recipient');
      await page.getByTestId('outbox-test-recipient').fill(recipient);
      await expect(page.getByTestId('outbox-test-send')).toHaveText('Envoyer un e-mail de test');
      await page.getByTestId('outbox-test-send').click();

      await expect(page.getByTestId('outbox-test-result')).toBeVisible();
      await expect(page.getByTestId('outbox-test-result')).not.toBeEmpty();
      await expect(testMails).toHaveCount(before + 1);
      const newest = testMails.first();
      await expect(newest).toContainText('RecyClique : e-mail de test');
      await expect(newest).toContainText(recipient);
      await expect(page.getByTestId('outbox-empty')).toBeHidden();
    });
  });
});
