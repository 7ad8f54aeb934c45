import { expect, test } from '@playwright/test';

import { adminCredentials, gotoHydrated, login } from './helpers';

test.describe('scheduled reports', () => {
  test('create a report in the modal, send it now, find the mail and the log', async ({ page }) => {
    const admin = adminCredentials();
    const name = `Caisse hebdo ${Date.now()}`;
    await login(page, admin.username, admin.password);
    await gotoHydrated(page, '/admin/scheduled-reports');
    await expect(page.getByTestId('scheduled-title')).toHaveText('Rapports programmés');

    await test.step('the modal opens on the name field and checks fields before sending', async () => {
      await page.getByTestId('scheduled-new').click();
      const modal = page.getByTestId('scheduled-modal');
      await expect(modal).toBeVisible();
      await expect(modal).toHaveAttribute('role', 'dialog');
      await expect(page.getByTestId('sr-name')).toBeFocused();
      await page.getByTestId('sr-submit').click();
      await expect(page.getByTestId('error-name')).toContainText('obligatoire');
      await page.getByLabel('Nom', { exact: true }).fill(name);
      await page.getByTestId('sr-submit').click();
      await expect(page.getByTestId('error-recipients')).toContainText('au moins un destinataire');
    });

    await test.step('words and next runs follow the cron as it is typed', async () => {
      await page.getByLabel('Fréquence', { exact: true }).selectOption('custom');
      const cron = page.getByTestId('sr-cron');
      await cron.fill('0 7 * *');
      await expect(page.getByTestId('sr-words-error')).toContainText('5 champs');
      await cron.fill('0 7 * * 1');
      await expect(page.getByTestId('sr-words')).toHaveText('tous les lundis à 07:00');
      await expect(page.getByTestId('sr-next-runs').locator('li')).toHaveCount(5);
      await expect(page.getByTestId('sr-next-runs').locator('li').first()).toContainText('07:00');
      await cron.fill('30 8 * * 1-5');
      await expect(page.getByTestId('sr-words')).toHaveText('du lundi au vendredi à 08:30');
    });

    await test.step('recipients are checked as typed, duplicates refused', async () => {
      const input = page.getByTestId('sr-recipient');
      await input.fill('compta');
      await page.getByTestId('sr-recipient-add').click();
      await expect(page.getByTestId('error-recipients')).toContainText('Adresse e-mail invalide');
      await input.fill('compta@ressourcerie.example.org');
      await input.press('Enter');
      await expect(page.getByTestId('sr-recipients')).toContainText('compta@ressourcerie.example.org');
      await input.fill('COMPTA@ressourcerie.example.org');
      await page.getByTestId('sr-recipient-add').click();
      await expect(page.getByTestId('error-recipients')).toContainText('déjà dans la liste');
      await input.fill('');
    });

    await test.step('the summary, then the report is saved and listed', async () => {
      await page.getByLabel('Période du rapport (calculée à chaque envoi)').selectOption('this_month');
      await expect(page.getByTestId('sr-summary')).toContainText(name);
      await expect(page.getByTestId('sr-summary')).toContainText('du lundi au vendredi à 08:30');
      await page.getByTestId('sr-submit').click();
      await expect(page.getByTestId('scheduled-modal')).toBeHidden();
      const row = page.getByTestId('scheduled-row').filter({ hasText: name });
      await expect(row).toBeVisible();
      await expect(row.getByTestId('scheduled-description')).toHaveText('du lundi au vendredi à 08:30');
    });

    await test.step('Escape closes the modal', async () => {
      const row = page.getByTestId('scheduled-row').filter({ hasText: name });
      await row.getByTestId('scheduled-edit').click();
      await expect(page.getByTestId('sr-name')).toHaveValue(name);
      await page.keyboard.press('Escape');
      await expect(page.getByTestId('scheduled-modal')).toBeHidden();
    });

    await test.step('send now: the mail with its attachment reaches the outbox, the log says success', async () => {
      const row = page.getByTestId('scheduled-row').filter({ hasText: name });
      await row.getByTestId('scheduled-send').click();
      await expect(page.getByTestId('scheduled-notice')).toContainText('Envoi programmé');
      // The mail worker sends within seconds; the page is reloaded until it shows.
      await expect(async () => {
        await gotoHydrated(page, '/admin/outbox');
        const mail = page.getByTestId('outbox-row').filter({ hasText: `Rapport programmé : ${name}` });
        await expect(mail).toHaveCount(1, { timeout: 1000 });
        await expect(mail).toContainText('compta@ressourcerie.example.org');
        await expect(mail).toContainText('.xlsx');
      }).toPass({ timeout: 30_000 });
      const delivery = page.getByTestId('delivery-row').filter({ hasText: name });
      await expect(delivery).toHaveAttribute('data-status', 'sent');

      await gotoHydrated(page, '/admin/scheduled-reports');
      await page.getByTestId('scheduled-row').filter({ hasText: name }).getByTestId('scheduled-logs').click();
      await expect(page.getByTestId('scheduled-log').getByTestId('scheduled-log-row').first()).toHaveAttribute('data-status', 'success');
    });

    await test.step('delete asks for confirmation', async () => {
      const row = page.getByTestId('scheduled-row').filter({ hasText: name });
      await row.getByTestId('scheduled-delete').click();
      await row.getByTestId('scheduled-delete-confirm').click();
      await expect(page.getByTestId('scheduled-row').filter({ hasText: name })).toHaveCount(0);
    });
  });
});
