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
      await page.getByTestId('sr-next').click();
      await expect(page.getByTestId('sr-name-error')).toContainText('obligatoire');
      await expect(page.getByTestId('sr-name-error')).toHaveAttribute('role', 'alert');
      await expect(page.getByTestId('sr-name')).toHaveAttribute('aria-invalid', 'true');
      await expect(page.getByTestId('sr-name')).toHaveAttribute('aria-describedby', 'sr-name-error');
      await page.getByLabel('Nom', { exact: true }).fill(name);
      await page.getByTestId('sr-next').click();
      await expect(page.getByTestId('sr-recipient-error')).toContainText('au moins un destinataire');
      await expect(page.getByTestId('sr-name')).not.toHaveAttribute('aria-invalid', 'true');
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
      // Said under the field as it is typed, before any button.
      await expect(page.getByTestId('sr-recipient-hint')).toContainText("n'est pas encore une adresse e-mail valide");
      await expect(input).toHaveAttribute('aria-invalid', 'true');
      await input.fill('compta@ressourcerie.example.org');
      await expect(page.getByTestId('sr-recipient-hint')).toBeEmpty();
      await input.fill('compta');
      await page.getByTestId('sr-recipient-add').click();
      await expect(page.getByTestId('sr-recipient-error')).toContainText('Adresse e-mail invalide');
      await input.fill('compta@ressourcerie.example.org');
      await input.press('Enter');
      await expect(page.getByTestId('sr-recipients')).toContainText('compta@ressourcerie.example.org');
      await input.fill('COMPTA@ressourcerie.example.org');
      await page.getByTestId('sr-recipient-add').click();
      await expect(page.getByTestId('sr-recipient-error')).toContainText('déjà dans la liste');
      await input.fill('');
    });

    await test.step('the summary in words, "Modifier" goes back, then the report is saved and listed', async () => {
      await page.getByTestId('sr-f-period').selectOption('this_month');
      await page.getByTestId('sr-f-status').selectOption('closed');
      await page.getByTestId('sr-next').click();
      const summary = page.getByTestId('sr-summary');
      await expect(page.getByTestId('sr-summary-name')).toHaveText(name);
      await expect(page.getByTestId('sr-summary-schedule')).toContainText('du lundi au vendredi à 08:30');
      await expect(page.getByTestId('sr-summary-recipients')).toHaveText('compta@ressourcerie.example.org');
      await expect(page.getByTestId('sr-summary-format')).toHaveText('Excel (XLSX)');
      await expect(page.getByTestId('sr-summary-runs').locator('li')).toHaveCount(5);
      await expect(page.getByTestId('sr-summary-period')).toContainText('Ce mois-ci');
      await expect(page.getByTestId('sr-summary-filters')).toContainText('Statut : Fermée');
      await expect(page.getByTestId('sr-submit')).toBeFocused();
      await page.getByTestId('sr-back').click();
      await expect(summary).toHaveCount(0);
      await expect(page.getByTestId('sr-f-status')).toHaveValue('closed');
      await page.getByTestId('sr-format').selectOption('csv');
      await page.getByTestId('sr-format').selectOption('excel');
      await page.getByTestId('sr-next').click();
      await page.getByTestId('sr-submit').click();
      await expect(page.getByTestId('scheduled-modal')).toBeHidden();
      const row = page.getByTestId('scheduled-row').filter({ hasText: name });
      await expect(row).toBeVisible();
      await expect(row.getByTestId('scheduled-description')).toHaveText('du lundi au vendredi à 08:30');
    });

    await test.step('the focus stays in the modal; Escape closes it and gives the focus back', async () => {
      const row = page.getByTestId('scheduled-row').filter({ hasText: name });
      await row.getByTestId('scheduled-edit').click();
      await expect(page.getByTestId('sr-name')).toHaveValue(name);
      await expect(page.getByTestId('sr-f-status')).toHaveValue('closed');
      await expect(page.getByTestId('sr-f-period')).toHaveValue('this_month');
      // Tab from the last field comes back to the first, Shift+Tab from the first to the last.
      await page.getByTestId('sr-cancel').focus();
      await page.keyboard.press('Tab');
      await expect(page.getByTestId('sr-name')).toBeFocused();
      await page.keyboard.press('Shift+Tab');
      await expect(page.getByTestId('sr-cancel')).toBeFocused();
      await page.keyboard.press('Escape');
      await expect(page.getByTestId('scheduled-modal')).toBeHidden();
      await expect(row.getByTestId('scheduled-edit')).toBeFocused();
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

  test('save a filtered cash audit view as a scheduled report', async ({ page }) => {
    const admin = adminCredentials();
    const name = `Audit caisse ${Date.now()}`;
    await login(page, admin.username, admin.password);
    await gotoHydrated(page, '/admin/sessions?period=last_month&status=closed&has_variance=true&payment_methods=card');
    await expect(page.getByTestId('audit-totals')).toBeVisible();

    await test.step('the modal opens with the filters of the page', async () => {
      await page.getByTestId('save-as-scheduled').click();
      await expect(page.getByTestId('scheduled-modal')).toBeVisible();
      await expect(page.getByTestId('sr-type')).toHaveValue('cash_session');
      await expect(page.getByTestId('sr-name')).toHaveValue('Sessions de caisse — Le mois dernier');
      await expect(page.getByTestId('sr-f-period')).toHaveValue('last_month');
      await expect(page.getByTestId('sr-f-status')).toHaveValue('closed');
      await expect(page.getByTestId('sr-f-has-variance')).toHaveValue('true');
      await expect(page.getByTestId('sr-f-method-card')).toBeChecked();
      await expect(page.getByTestId('sr-f-method-cash')).not.toBeChecked();
    });

    await test.step('an error only the server finds is shown on its field', async () => {
      await page.getByTestId('sr-name').fill(name);
      // Accepted as typed, refused by the server's mail library (two dots in a row).
      await page.getByTestId('sr-recipient').fill('compta..caisse@ressourcerie.example.org');
      await page.getByTestId('sr-next').click();
      await page.getByTestId('sr-submit').click();
      await expect(page.getByTestId('sr-recipient-error')).toContainText('Adresse e-mail invalide');
      await expect(page.getByTestId('sr-recipient')).toHaveAttribute('aria-invalid', 'true');
      await page.getByRole('button', { name: 'Retirer compta..caisse@ressourcerie.example.org' }).click();
      await page.getByTestId('sr-recipient').fill('caisse@ressourcerie.example.org');
    });

    await test.step('confirmed through the summary', async () => {
      await page.getByTestId('sr-next').click();
      await expect(page.getByTestId('sr-summary-type')).toHaveText('Sessions de caisse');
      await expect(page.getByTestId('sr-summary-period')).toContainText('Le mois dernier (au prochain envoi : du');
      const filters = page.getByTestId('sr-summary-filters');
      await expect(filters).toContainText('Statut : Fermée');
      await expect(filters).toContainText('Avec écart de caisse : oui');
      await expect(filters).toContainText('Moyens de paiement : Carte');
      await page.getByTestId('sr-submit').click();
      await expect(page.getByTestId('scheduled-modal')).toBeHidden();
      await expect(page.getByTestId('save-as-scheduled-done')).toContainText(name);
      await expect(page.getByTestId('save-as-scheduled')).toBeFocused();
    });

    await test.step('listed with its filter', async () => {
      await gotoHydrated(page, '/admin/scheduled-reports');
      const row = page.getByTestId('scheduled-row').filter({ hasText: name });
      await expect(row).toBeVisible();
      await row.getByTestId('scheduled-edit').click();
      await expect(page.getByTestId('sr-f-period')).toHaveValue('last_month');
      await expect(page.getByTestId('sr-f-status')).toHaveValue('closed');
      await expect(page.getByTestId('sr-f-has-variance')).toHaveValue('true');
      await expect(page.getByTestId('sr-f-method-card')).toBeChecked();
      await page.keyboard.press('Escape');
      await row.getByTestId('scheduled-delete').click();
      await row.getByTestId('scheduled-delete-confirm').click();
      await expect(page.getByTestId('scheduled-row').filter({ hasText: name })).toHaveCount(0);
    });
  });

  test('save the reception export as a scheduled report; a reception report needs a period', async ({ page }) => {
    const admin = adminCredentials();
    await login(page, admin.username, admin.password);
    await gotoHydrated(page, '/admin/exports');
    await page.getByTestId('bulk-date-from').fill('2026-03-01');
    await page.getByTestId('bulk-date-to').fill('2026-03-31');
    await page.getByTestId('bulk-status').selectOption('closed');
    await page.getByTestId('save-as-scheduled').click();
    await expect(page.getByTestId('sr-type')).toHaveValue('reception_ticket');
    await expect(page.getByTestId('sr-r-date-from')).toHaveValue('2026-03-01');
    await expect(page.getByTestId('sr-r-date-to')).toHaveValue('2026-03-31');
    await expect(page.getByTestId('sr-r-status')).toHaveValue('closed');
    await page.getByTestId('sr-r-date-from').fill('');
    await page.getByTestId('sr-r-date-to').fill('');
    await page.getByTestId('sr-recipient').fill('reception@ressourcerie.example.org');
    await page.getByTestId('sr-next').click();
    await expect(page.getByTestId('sr-r-period-error')).toContainText('période');
    await expect(page.getByTestId('sr-r-period')).toHaveAttribute('aria-invalid', 'true');
    // The postes offered are those of the period: the admin's of today.
    const opened = await page.request.post('/v1/reception/postes/open');
    expect([201, 409]).toContain(opened.status());
    await page.getByTestId('sr-r-period').selectOption('today');
    await expect(page.getByTestId('sr-r-poste').locator('option', { hasText: 'Administrateur —' }).first()).toBeAttached();
    await page.getByTestId('sr-r-period').selectOption('last_week');
    await page.getByTestId('sr-next').click();
    await expect(page.getByTestId('sr-summary-period')).toContainText('La semaine dernière');
    await expect(page.getByTestId('sr-summary-filters')).toContainText('Statut : Fermé');
    await page.getByTestId('sr-cancel').click();
    await expect(page.getByTestId('scheduled-modal')).toBeHidden();
    await expect(page.getByTestId('save-as-scheduled')).toBeFocused();
  });
});
