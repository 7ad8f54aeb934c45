import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test, expect, type Page, type Locator } from '@playwright/test';
import { adminCredentials, gotoHydrated, login } from './helpers';

test.describe.configure({ mode: 'serial' });

// One site and register per run; names are unique so that a rerun against the same
// server finds its own.
const run = Date.now().toString(36);
const siteName = `Boutique ${run}`;
const registerName = `Caisse ${run}`;

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; path: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = (await download.path())!;
  return { name: download.suggestedFilename(), path, bytes: readFileSync(path) };
}

/** The sheet names of an XLSX file and the text of all its parts, read with Python's
 * zipfile (an XLSX is a ZIP package). */
function readXlsx(path: string): { sheets: string[]; text: string } {
  const script = [
    'import json, re, sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'wb = z.read("xl/workbook.xml").decode()',
    'sheets = re.findall(r"<sheet [^>]*name=\\"([^\\"]+)\\"", wb)',
    'text = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))',
    'print(json.dumps({"sheets": sheets, "text": text}))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script, path], { maxBuffer: 64 << 20 }).toString());
}

/** Types `category` into the item field, picks the first match with Entrée, then types
 * the price and adds the line with Entrée. */
async function ringItem(page: Page, category: string, price: string) {
  const field = page.getByTestId('item-category');
  await field.focus();
  await page.keyboard.type(category);
  await expect(page.getByTestId('item-category-option').first()).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('item-price')).toBeFocused();
  await page.keyboard.type(price);
  await page.keyboard.press('Enter');
}

async function openSession(page: Page, float: string): Promise<string> {
  await expect(page.getByTestId('open-session-card')).toBeVisible();
  await page.getByTestId('open-register').selectOption({ label: `${registerName} — ${siteName}` });
  await page.getByTestId('open-float').fill(float);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/cash_open_session')),
    page.getByTestId('open-session').click(),
  ]);
  expect(response.status()).toBe(200);
  const session = await response.json();
  await expect(page.getByTestId('session-title')).toHaveText(`${registerName} — ${siteName}`);
  await expect(page.getByTestId('item-category')).toBeVisible();
  return session.id as string;
}

function cell(row: Locator, testid: string): Locator {
  return row.getByTestId(testid);
}

let sessionId = '';

test('cash: sites, till by keyboard, close with a variance, audit, detail, exports', async ({ page }) => {
  test.slow();
  const admin = adminCredentials();
  await login(page, admin.username, admin.password);

  await test.step('an admin creates a site and a register', async () => {
    await gotoHydrated(page, '/admin');
    await page.getByTestId('admin-sites-link').click();
    await page.waitForURL('**/admin/sites');
    await page.getByTestId('site-name').fill(siteName);
    await page.getByTestId('site-submit').click();
    await expect(page.getByTestId('site-row').filter({ hasText: siteName })).toHaveCount(1);
    // The same name again is refused in French.
    await page.getByTestId('site-name').fill(siteName.toUpperCase());
    await page.getByTestId('site-submit').click();
    await expect(page.getByTestId('site-error')).toContainText('Un site s\'appelle déjà');
    await page.getByTestId('register-name').fill(registerName);
    await page.getByTestId('register-site').selectOption({ label: siteName });
    await page.getByTestId('register-submit').click();
    await expect(page.getByTestId('register-row').filter({ hasText: registerName })).toContainText(siteName);
  });

  await test.step('open a till session with a float typed in euros', async () => {
    await page.getByTestId('nav-caisse').click();
    await page.waitForURL('**/caisse');
    // A float that is not an amount is refused before anything is sent.
    await page.getByTestId('open-register').selectOption({ label: `${registerName} — ${siteName}` });
    await page.getByTestId('open-float').fill('50,123');
    await page.getByTestId('open-session').click();
    await expect(page.getByTestId('open-error')).toContainText('Fond de caisse : montant invalide');
    sessionId = await openSession(page, '50,00');
    await expect(page.getByTestId('session-info')).toContainText('Fond de caisse : 50,00 €');
    await expect(page.getByTestId('sales-empty')).toBeVisible();
    await expect(page.getByTestId('sale-shortcuts')).toContainText('Ctrl');
  });

  await test.step('a cash sale rung up with the keyboard only, with the change to give back', async () => {
    // Any part of the name finds the category, accents and case aside.
    await ringItem(page, 'médias', '2,50');
    await expect(page.getByTestId('cart-line')).toHaveCount(1);
    await expect(page.getByTestId('cart-line').first()).toContainText('Livres et médias');
    await expect(page.getByTestId('item-category')).toBeFocused();
    // Second item: category, then Tab to the quantity and the weight, then the price.
    await page.keyboard.type('VAISS');
    await expect(page.getByTestId('item-category-option').first()).toHaveText('Vaisselle et cuisine');
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('item-quantity')).toBeFocused();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('3');
    await page.keyboard.press('Tab');
    await page.keyboard.type('1,2');
    await page.keyboard.press('Tab');
    await page.keyboard.type('1');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('cart-line')).toHaveCount(2);
    await expect(page.getByTestId('cart-line').nth(1)).toContainText('Vaisselle et cuisine');
    await expect(page.getByTestId('cart-line').nth(1)).toContainText('1,20');
    await expect(page.getByTestId('cart-line').nth(1)).toContainText('3,00 €');
    await expect(page.getByTestId('sale-items-total')).toHaveText('5,50 €');
    // Entrée on the empty category goes to the cash handed over.
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('pay-tendered')).toBeFocused();
    await page.keyboard.type('10');
    await expect(page.getByTestId('sale-change')).toHaveText('4,50 €');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('last-sale')).toContainText('Vente enregistrée : 5,50 € (Espèces 5,50 €)');
    await expect(page.getByTestId('last-sale-change')).toHaveText('4,50 €');
    await expect(page.getByTestId('cart-line')).toHaveCount(0);
    await expect(page.getByTestId('pay-tendered')).toHaveValue('');
    await expect(page.getByTestId('session-sales-count')).toHaveText('1');
  });

  await test.step('a sale split over card and cash, with a donation', async () => {
    await ringItem(page, 'vête', '12');
    await expect(page.getByTestId('cart-line').first()).toContainText('Textile › Vêtements');
    await page.getByTestId('pay-donation').focus();
    await page.keyboard.type('3');
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('pay-card')).toBeFocused();
    await page.keyboard.type('10');
    await expect(page.getByTestId('sale-due')).toHaveText('15,00 €');
    await expect(page.getByTestId('sale-cash')).toHaveText('5,00 €');
    // Too much on the card: said at once, and refused on validation with the cart kept.
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('20');
    await expect(page.getByTestId('sale-split-error')).toContainText('dépassent le total à payer (15,00 €)');
    await page.keyboard.press('Control+Enter');
    await expect(page.getByTestId('sale-error')).toContainText('dépassent');
    await expect(page.getByTestId('cart-line')).toHaveCount(1);
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('10');
    await page.getByTestId('pay-tendered').focus();
    await page.keyboard.type('5');
    await expect(page.getByTestId('sale-change')).toHaveText('0,00 €');
    await page.keyboard.press('Control+Enter');
    await expect(page.getByTestId('last-sale')).toContainText('Vente enregistrée : 15,00 € (Espèces 5,00 € + Carte 10,00 €)');
    await expect(page.getByTestId('session-sales-count')).toHaveText('2');
    await expect(page.getByTestId('session-donations')).toHaveText('3,00 €');
    await expect(page.getByTestId('sale-row').first()).toContainText('Espèces 5,00 € + Carte 10,00 €');
  });

  await test.step('a gift: everything « gratuit »', async () => {
    await ringItem(page, 'jouet', '4');
    await page.getByTestId('pay-all-free').click();
    await expect(page.getByTestId('sale-cash')).toHaveText('0,00 €');
    await page.getByTestId('sale-validate').click();
    await expect(page.getByTestId('last-sale')).toContainText('Vente enregistrée : 4,00 € (Gratuit 4,00 €)');
    await expect(page.getByTestId('session-sales-count')).toHaveText('3');
    await expect(page.getByTestId('session-total')).toHaveText('21,50 €');
  });

  await test.step('close with a cash variance: the comment is required first', async () => {
    // Expected cash: 50,00 float + 5,50 + 5,00 = 60,50; counted 60,00.
    await page.getByTestId('close-cash').fill('60,00');
    await page.getByTestId('close-card').fill('10');
    await page.getByTestId('close-session').click();
    await expect(page.getByTestId('close-comment-error')).toContainText('un commentaire est obligatoire');
    await expect(page.getByTestId('close-comment-error')).toContainText('-0,50 €');
    await expect(page.getByTestId('session-card')).toBeVisible();
    await page.getByTestId('close-comment').fill('Erreur de rendu de monnaie');
    await page.getByTestId('close-session').click();
    const result = page.getByTestId('close-result');
    await expect(result).toBeVisible();
    await expect(cell(result, 'reco-cash-expected')).toHaveText('60,50 €');
    await expect(cell(result, 'reco-cash-counted')).toHaveText('60,00 €');
    await expect(cell(result, 'reco-cash-variance')).toHaveText('-0,50 €');
    await expect(cell(result, 'reco-card-expected')).toHaveText('10,00 €');
    await expect(cell(result, 'reco-card-variance')).toHaveText('0,00 €');
    await expect(cell(result, 'reco-check-counted')).toHaveText('non compté');
    await expect(page.getByTestId('close-result-comment')).toHaveText('Erreur de rendu de monnaie');
    await expect(page.getByTestId('open-session-card')).toBeVisible();
  });

  await test.step('a session without any sale is deleted on close', async () => {
    await openSession(page, '0');
    await page.getByTestId('close-cash').fill('0');
    await page.getByTestId('close-session').click();
    await expect(page.getByTestId('close-deleted')).toContainText('Session supprimée');
    await expect(page.getByTestId('open-session-card')).toBeVisible();
  });

  const auditUrl = `/admin/sessions?search=${sessionId.slice(0, 8)}&has_variance=true&payment_methods=card`;

  await test.step('the audit view finds the session from a filter in the URL', async () => {
    await gotoHydrated(page, auditUrl);
    // The form shows the filter of the URL, and the results are filtered by it.
    await expect(page.getByTestId('f-search')).toHaveValue(sessionId.slice(0, 8));
    await expect(page.getByTestId('f-has-variance')).toHaveValue('true');
    await expect(page.getByTestId('f-method-card')).toBeChecked();
    await expect(page.getByTestId('f-method-cash')).not.toBeChecked();
    const row = page.getByTestId('audit-row');
    await expect(row).toHaveCount(1);
    await expect(row).toHaveAttribute('data-session-id', sessionId);
    await expect(row).toContainText(registerName);
    await expect(cell(row, 'audit-row-variance')).toHaveText('-0,50 €');
    await expect(page.getByTestId('totals-sessions')).toHaveText('1');
    await expect(page.getByTestId('totals-sales')).toHaveText('3');
    await expect(page.getByTestId('totals-items')).toHaveText('6');
    await expect(page.getByTestId('totals-total')).toHaveText('21,50 €');
    await expect(page.getByTestId('totals-cash')).toHaveText('10,50 €');
    await expect(page.getByTestId('totals-card')).toHaveText('10,00 €');
    await expect(page.getByTestId('totals-free')).toHaveText('4,00 €');
    await expect(page.getByTestId('totals-donations')).toHaveText('3,00 €');
    await expect(page.getByTestId('totals-variance')).toHaveText('-0,50 €');
  });

  await test.step('changing the form rewrites the URL; going back restores both', async () => {
    await page.getByTestId('f-has-variance').selectOption('false');
    await page.getByTestId('f-amount-min').fill('20');
    await page.getByTestId('audit-apply').click();
    await page.waitForURL(/has_variance=false/);
    expect(new URL(page.url()).searchParams.get('amount_min_cents')).toBe('2000');
    await expect(page.getByTestId('audit-empty')).toBeVisible();
    await expect(page.getByTestId('totals-sessions')).toHaveText('0');
    // A bad amount is refused in French, nothing is navigated.
    await page.getByTestId('f-amount-min').fill('douze');
    await page.getByTestId('audit-apply').click();
    await expect(page.getByTestId('audit-form-error')).toContainText('Total des ventes minimum');
    await page.goBack();
    await page.waitForURL(/has_variance=true/);
    await expect(page.getByTestId('audit-row')).toHaveCount(1);
    await expect(page.getByTestId('f-has-variance')).toHaveValue('true');
    await expect(page.getByTestId('f-amount-min')).toHaveValue('');
  });

  await test.step('the session detail: sales, reconciliation, comment', async () => {
    await page.getByTestId('audit-row-link').click();
    await page.waitForURL(`**/admin/sessions/${sessionId}`);
    // The address of the detail works on its own too.
    await gotoHydrated(page, `/admin/sessions/${sessionId}`);
    await expect(page.getByTestId('detail-id')).toHaveText(sessionId);
    await expect(page.getByTestId('detail-status')).toHaveText('Fermée');
    await expect(page.getByTestId('detail-comment')).toHaveText('Erreur de rendu de monnaie');
    const reco = page.getByTestId('detail-reconciliation');
    await expect(cell(reco, 'reco-cash-expected')).toHaveText('60,50 €');
    await expect(cell(reco, 'reco-cash-variance')).toHaveText('-0,50 €');
    await expect(cell(reco, 'reco-card-counted')).toHaveText('10,00 €');
    await expect(page.getByTestId('sale-row')).toHaveCount(3);
    await expect(page.getByTestId('sale-payments').filter({ hasText: 'Carte 10,00 €' })).toHaveText('Espèces 5,00 € + Carte 10,00 €');
    await expect(page.getByTestId('sale-item').filter({ hasText: 'Vaisselle' })).toHaveText('3 × Vaisselle et cuisine à 1,00 € (1,20 kg) = 3,00 €');
  });

  await test.step('export the filtered set as CSV and Excel', async () => {
    await gotoHydrated(page, auditUrl);
    const csv = await downloaded(page, () => page.getByTestId('audit-export-csv').click());
    expect(csv.name).toMatch(/^caisse-sessions.*\.csv$/);
    expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.bytes.toString('utf8').replace(/^\uFEFF/, '').split('\r\n').filter((l) => l.length > 0);
    expect(lines[0]).toContain('Ouverture;Fermeture;Opérateur;Caisse;Site;Fond de caisse (€);Total ventes (€)');
    const rows = lines.filter((l) => l.includes(sessionId));
    expect(rows).toHaveLength(1);
    expect(lines).toHaveLength(2);
    expect(rows[0]).toContain(`;${registerName};${siteName};50,00;21,50;3;6;3,00;10,50;10,00;0,00;4,00;60,50;60,00;-0,50;10,00;;Erreur de rendu de monnaie;fermée;`);
    await expect(page.getByTestId('audit-export-result')).toContainText('.csv');

    const xlsx = await downloaded(page, () => page.getByTestId('audit-export-xlsx').click());
    expect(xlsx.name).toMatch(/^caisse-sessions.*\.xlsx$/);
    expect(xlsx.bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    const book = readXlsx(xlsx.path);
    expect(book.sheets).toEqual(['Résumé', 'Détails', 'Détails Tickets']);
    expect(book.text).toContain(sessionId);
    expect(book.text).toContain('Erreur de rendu de monnaie');
    expect(book.text).toContain('Vêtements');
    await expect(page.getByTestId('audit-export-result')).toContainText('.xlsx');
  });
});

test('the till at phone size on a slow connection loses no keystroke and rings no sale twice', async ({ page }) => {
  test.slow();
  await page.setViewportSize({ width: 390, height: 844 });
  const admin = adminCredentials();
  await login(page, admin.username, admin.password);
  await gotoHydrated(page, '/caisse');
  await openSession(page, '20');
  // A full reload finds the open session again (rendered on the server, then hydrated).
  await gotoHydrated(page, '/caisse');
  await expect(page.getByTestId('session-title')).toHaveText(`${registerName} — ${siteName}`);
  await expect(page.getByTestId('sales-empty')).toBeVisible();

  // Every sale takes 1.5 s to reach the server; the calls are counted.
  let calls = 0;
  await page.route('**/api/cash_add_sale', async (route) => {
    calls += 1;
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });

  await test.step('the page fits the phone, tables read as cards', async () => {
    await ringItem(page, 'livres', '1');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await expect(page.getByTestId('cart').locator('thead')).toBeHidden();
    await expect(page.getByTestId('cart-line').first()).toBeVisible();
  });

  await test.step('typing goes on while a sale is sent; validating again does nothing', async () => {
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('pay-tendered')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('sale-validate')).toBeDisabled();
    // Impatient: validate again, twice, while the first is on its way.
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+Enter');
    // The next customer's item, typed during the wait.
    await ringItem(page, 'jouet', '2');
    await page.getByTestId('item-category').focus();
    await page.keyboard.type('tex');
    await expect(page.getByTestId('last-sale')).toContainText('Vente enregistrée : 1,00 €');
    expect(calls).toBe(1);
    // What was sent is gone; what was typed meanwhile is all there.
    await expect(page.getByTestId('cart-line')).toHaveCount(1);
    await expect(page.getByTestId('cart-line').first()).toContainText('Jouets');
    await expect(page.getByTestId('item-category')).toHaveValue('tex');
    await expect(page.getByTestId('item-category')).toBeFocused();
    await expect(page.getByTestId('session-sales-count')).toHaveText('1');
  });

  await test.step('a sale that does not reach the server keeps everything entered', async () => {
    await page.unroute('**/api/cash_add_sale');
    await page.route('**/api/cash_add_sale', (route) => route.abort());
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Enter');
    await expect(page.getByTestId('sale-error')).toBeVisible();
    await expect(page.getByTestId('cart-line')).toHaveCount(1);
    await expect(page.getByTestId('sale-validate')).toBeEnabled();
    await page.unroute('**/api/cash_add_sale');
    await page.keyboard.press('Control+Enter');
    await expect(page.getByTestId('last-sale')).toContainText('Vente enregistrée : 2,00 €');
    await expect(page.getByTestId('session-sales-count')).toHaveText('2');
    await expect(page.getByTestId('sale-row')).toHaveCount(2);
  });

  await test.step('close the session exactly', async () => {
    await page.getByTestId('close-cash').fill('23');
    await page.getByTestId('close-session').click();
    await expect(page.getByTestId('reco-cash-variance')).toHaveText('0,00 €');
  });
});
