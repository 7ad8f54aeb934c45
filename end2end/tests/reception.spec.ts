import { readFileSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';
import { adminCredentials, gotoHydrated, login, waitHydrated } from './helpers';

test.describe.configure({ mode: 'serial' });

/** Today as YYYY-MM-DD in Europe/Paris, the day the server counts in. */
function parisToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());
}

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = await download.path();
  const bytes = readFileSync(path!);
  return { name: download.suggestedFilename(), text: bytes.toString('utf8'), bytes };
}

test('reception: poste, ticket, keyboard entry, live KPIs, exports', async ({ page }) => {
  test.slow();
  const admin = adminCredentials();
  await login(page, admin.username, admin.password);

  await test.step('the reception home shows the KPI banner', async () => {
    await page.getByTestId('nav-reception').click();
    await page.waitForURL('**/reception');
    await expect(page.getByTestId('kpi-banner')).toBeVisible();
    await expect(page.getByTestId('kpi-updated')).toContainText('Mis à jour à');
  });

  await test.step('open my poste and start a ticket', async () => {
    await expect(page.getByTestId('poste-status')).toHaveText('Aucun poste ouvert.');
    await page.getByTestId('open-poste').click();
    await expect(page.getByTestId('poste-status')).toContainText('Poste ouvert depuis le');
    await page.getByTestId('new-ticket').click();
    await page.waitForURL(/\/reception\/tickets\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId('ticket-status')).toHaveText('Ouvert');
    await expect(page.getByTestId('lines-empty')).toBeVisible();
    await expect(page).toHaveTitle(/^Ticket \d{4}-\d{5} · RecyClique$/);
    // On a phone, the header and the KPI banner keep to a quarter of the screen.
    const desk = page.viewportSize();
    await page.setViewportSize({ width: 390, height: 844 });
    const bannerBottom = await page.getByTestId('kpi-banner').evaluate((e) => e.getBoundingClientRect().bottom);
    expect(bannerBottom).toBeLessThanOrEqual(844 / 4);
    if (desk) await page.setViewportSize(desk);
  });

  const entryBefore = await page.getByTestId('kpi-entry-weight').innerText();

  await test.step('add lines with the keyboard only', async () => {
    const weight = page.getByTestId('line-weight');
    await weight.focus();
    await expect(page.getByTestId('category-kept')).toHaveCount(0);
    await page.keyboard.type('12,5');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('total-entry')).toHaveText('12,50 kg');
    await expect(page.getByTestId('total-lines')).toHaveText('1');
    // The cursor is back in the weight field, emptied, ready for the next item.
    await expect(weight).toBeFocused();
    await expect(weight).toHaveValue('');
    // Category and destination stay for the next item, and say so.
    await expect(page.getByTestId('category-kept')).toBeVisible();
    await expect(page.getByTestId('destination-kept')).toBeVisible();

    // Second item: weight, Tab to the category search, Tab to the category list (next
    // one with the arrow), Tab to the destination, Tab to "exit", Space, Tab to the
    // notes, Enter.
    await page.keyboard.type('3,25');
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('line-category-search')).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('line-category')).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByTestId('category-kept')).toHaveCount(0);
    await expect(page.getByTestId('destination-kept')).toBeVisible();
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('line-destination')).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('line-exit')).toBeFocused();
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('line-notes')).toBeFocused();
    await page.keyboard.type('=SOMME(A1) benne');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('total-exit')).toHaveText('3,25 kg');
    await expect(page.getByTestId('line-row')).toHaveCount(2);
    await expect(page.getByTestId('line-row').nth(1)).toContainText('Sortie');
    await expect(page.getByTestId('line-row').nth(1)).toContainText('=SOMME(A1) benne');

    // A wrong weight is refused with a French message and nothing is added.
    await page.keyboard.type('0');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('line-error')).toContainText('poids');
    await expect(page.getByTestId('line-row')).toHaveCount(2);
    // The field in error says so, points to the message and has the focus; the
    // message goes as soon as the field changes.
    const weightField = page.getByTestId('line-weight');
    await expect(weightField).toHaveAttribute('aria-invalid', 'true');
    await expect(weightField).toHaveAttribute('aria-describedby', 'line-error');
    await expect(weightField).toBeFocused();
    await page.keyboard.press('Backspace');
    await expect(page.getByTestId('line-error')).toHaveCount(0);
    await expect(weightField).not.toHaveAttribute('aria-invalid', 'true');
    await page.getByTestId('line-weight').fill('');
  });

  await test.step('the KPI banner changed without a reload', async () => {
    await expect(page.getByTestId('kpi-entry-weight')).not.toHaveText(entryBefore);
    await expect(page.getByTestId('kpi-entry-weight')).toHaveText('12,50');
    await expect(page.getByTestId('kpi-exit-weight')).toHaveText('3,25');
    await expect(page.getByTestId('kpi-lines')).toHaveText('2');
  });

  await test.step('a failed refresh keeps the figures and marks them stale', async () => {
    await page.route('**/api/reception_live_stats', (route) => route.abort());
    // Coming back to the tab refreshes at once (the 30 s timer does the same later).
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await expect(page.getByTestId('kpi-stale')).toBeVisible();
    await expect(page.getByTestId('kpi-entry-weight')).toHaveText('12,50');
    await page.unroute('**/api/reception_live_stats');
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await expect(page.getByTestId('kpi-stale')).toHaveCount(0);
  });

  await test.step('export the ticket as CSV', async () => {
    const file = await downloaded(page, () => page.getByTestId('export-ticket-csv').click());
    expect(file.name).toMatch(/^ticket-[0-9a-f-]{36}\.csv$/);
    expect([...file.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = file.text.replace(/^\uFEFF/, '').split('\r\n').filter((l) => l.length > 0);
    expect(lines[0]).toContain('Poids (kg);Destination;Flux;Notes');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(';12,500;Revente;Entrée;');
    expect(lines[2]).toContain(";3,250;Revente;Sortie;'=SOMME(A1) benne");
    await expect(page.getByTestId('export-ticket-result')).toContainText('.csv');
  });

  await test.step('close the ticket: it is frozen', async () => {
    // Closing asks first; "Non" leaves the ticket open.
    await page.getByTestId('close-ticket').click();
    await page.getByTestId('close-ticket-cancel').click();
    await expect(page.getByTestId('ticket-status')).toHaveText('Ouvert');
    await page.getByTestId('close-ticket').click();
    await page.getByTestId('close-ticket-confirm').click();
    await expect(page.getByTestId('ticket-status')).toHaveText('Fermé');
    await expect(page.getByTestId('line-form')).toHaveCount(0);
    await expect(page.getByTestId('kpi-tickets-open')).toHaveText('0');
  });

  await test.step('export a ticket from the list', async () => {
    await gotoHydrated(page, '/reception');
    // The list's filters: today, by bénévole (admins), by status.
    await page.getByTestId('tickets-period').selectOption('today');
    await expect(page.getByTestId('ticket-row')).toHaveCount(1);
    await page.getByTestId('tickets-benevole').selectOption({ label: 'Administrateur' });
    await expect(page.getByTestId('ticket-row')).toHaveCount(1);
    await page.getByTestId('tickets-status').selectOption('opened');
    await expect(page.getByTestId('tickets-empty')).toBeVisible();
    await page.getByTestId('tickets-status').selectOption('closed');
    const row = page.getByTestId('ticket-row').first();
    await expect(row).toContainText('Fermé');
    const file = await downloaded(page, () => row.getByTestId('row-export-csv').click());
    expect(file.name).toMatch(/^ticket-[0-9a-f-]{36}\.csv$/);
    expect(file.text).toContain(";12,500;Revente;Entrée;");
  });

  await test.step('export the lines of a period', async () => {
    const today = parisToday();
    await page.getByTestId('export-date-from').fill(today);
    await page.getByTestId('export-date-to').fill(today);
    const file = await downloaded(page, () => page.getByTestId('export-period').click());
    expect(file.name).toBe(`reception-lignes-${today}_${today}.csv`);
    const rows = file.text.split('\r\n').filter((l) => l.length > 0);
    expect(rows).toHaveLength(3);
    await expect(page.getByTestId('export-period-result')).toContainText(file.name);

    // A period ending before it starts gets the server's French message.
    await page.getByTestId('export-date-from').fill('2026-03-02');
    await page.getByTestId('export-date-to').fill('2026-03-01');
    await page.getByTestId('export-period').click();
    await expect(page.getByTestId('export-period-error')).toContainText('postérieure ou égale');
    // The end date is the field in error: marked, pointing to the message, focused;
    // the message goes when a date changes.
    const to = page.getByTestId('export-date-to');
    await expect(to).toHaveAttribute('aria-invalid', 'true');
    await expect(to).toHaveAttribute('aria-describedby', 'export-period-error');
    await expect(to).toBeFocused();
    await expect(page.getByTestId('export-date-from')).not.toHaveAttribute('aria-invalid', 'true');
    await to.fill('2026-03-03');
    await expect(page.getByTestId('export-period-error')).toHaveCount(0);
    await expect(to).not.toHaveAttribute('aria-invalid', 'true');
  });

  await test.step('an admin downloads the bulk export as Excel', async () => {
    await gotoHydrated(page, '/admin/exports');
    const today = parisToday();
    await page.getByTestId('bulk-date-from').fill(today);
    await page.getByTestId('bulk-date-to').fill(today);
    await page.getByTestId('bulk-format').selectOption('xlsx');
    const file = await downloaded(page, () => page.getByTestId('bulk-submit').click());
    expect(file.name).toBe(`reception-tickets-${today}_${today}.xlsx`);
    // An XLSX is a ZIP package holding the workbook and its three sheets.
    expect(file.bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    const listing = file.bytes.toString('latin1');
    for (const part of ['xl/workbook.xml', 'xl/worksheets/sheet1.xml', 'xl/worksheets/sheet3.xml']) {
      expect(listing).toContain(part);
    }
    await expect(page.getByTestId('bulk-result')).toContainText('.xlsx');
  });

  await test.step('the bulk export offers every filter, in plain French', async () => {
    const today = parisToday();
    // A relative period replaces the Du / Au dates.
    await page.getByLabel('Période').selectOption('today');
    await expect(page.getByTestId('bulk-date-from')).toHaveCount(0);
    await page.getByLabel('Bénévole').selectOption({ label: 'Administrateur' });
    await page.getByTestId('bulk-status').selectOption('closed');
    await page.getByTestId('bulk-destination').selectOption('revente');
    await expect(page.getByTestId('bulk-category')).toContainText('Petit électroménager');
    await expect(page.getByTestId('bulk-poste').locator('option')).toHaveCount(2);
    await page.getByTestId('bulk-format').selectOption('csv');
    const file = await downloaded(page, () => page.getByTestId('bulk-submit').click());
    expect(file.name).toBe(`reception-tickets-${today}_${today}.csv`);
    const rows = file.text.replace(/^\uFEFF/, '').split('\r\n').filter((l) => l.length > 0);
    expect(rows[0]).toContain('Ticket;N° de ticket;Date du ticket;Statut;');
    // The closed ticket with its two lines (12,5 kg in, 3,25 kg out), status in words.
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain(';fermé;');
    expect(rows[1]).toMatch(/;2;12,500;3,250$/);

    // No open ticket today: the header alone.
    await page.getByTestId('bulk-status').selectOption('opened');
    const open = await downloaded(page, () => page.getByTestId('bulk-submit').click());
    expect(open.text.replace(/^\uFEFF/, '').split('\r\n').filter((l) => l.length > 0)).toHaveLength(1);
  });

  await test.step('close the poste', async () => {
    await gotoHydrated(page, '/reception');
    const entries = await page.getByTestId('kpi-entry-weight').innerText();
    const exits = await page.getByTestId('kpi-exit-weight').innerText();
    await page.getByTestId('close-poste').click();
    await page.getByTestId('close-poste-confirm').click();
    await expect(page.getByTestId('poste-status')).toHaveText('Aucun poste ouvert.');
    // The shift's summary: this poste's one ticket, and the day's weights (the only
    // poste of the day so far), by destination.
    const summary = page.getByTestId('poste-summary');
    await expect(summary).toBeVisible();
    await expect(page.getByTestId('summary-tickets')).toHaveText('1');
    await expect(page.getByTestId('summary-entry')).toHaveText(entries);
    await expect(page.getByTestId('summary-exit')).toHaveText(exits);
    await expect(page.getByTestId('summary-destinations')).toBeVisible();
    await waitHydrated(page);
  });
});

test('fast entry with latency: every weighing is kept, in order', async ({ page }) => {
  test.slow();
  const admin = adminCredentials();
  await login(page, admin.username, admin.password);
  await gotoHydrated(page, '/reception');
  await expect(page.getByTestId('poste-status')).toHaveText('Aucun poste ouvert.');
  await page.getByTestId('open-poste').click();
  await expect(page.getByTestId('poste-status')).toContainText('Poste ouvert depuis le');
  await page.getByTestId('new-ticket').click();
  await page.waitForURL(/\/reception\/tickets\/[0-9a-f-]{36}$/);
  const ticketId = page.url().split('/').pop()!;
  await expect(page.getByTestId('lines-empty')).toBeVisible();

  await test.step('touch tiles of the most used categories choose the category', async () => {
    // The first scenario's lines make their categories the most used of late.
    const tiles = page.getByTestId('category-tile');
    await expect(tiles.first()).toBeVisible();
    const box = await tiles.first().boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(60);
    const name = (await tiles.last().innerText()).trim();
    await tiles.last().click();
    await expect(tiles.last()).toHaveAttribute('aria-pressed', 'true');
    const chosen = await page.getByTestId('line-category').evaluate((s: HTMLSelectElement) => s.options[s.selectedIndex].text);
    expect(chosen).toContain(name);
    await expect(page.getByTestId('line-weight')).toBeFocused();
  });

  // Every line write takes 400 ms more, as on a slow Wi-Fi at the desk.
  let failNext = false;
  // The request reaches the server, which saves the line, but its answer is lost.
  let loseAnswerNext = false;
  await page.route('**/api/reception_add_ligne', async (route) => {
    await new Promise((r) => setTimeout(r, 400));
    if (failNext) {
      failNext = false;
      await route.abort('connectionreset');
      return;
    }
    if (loseAnswerNext) {
      loseAnswerNext = false;
      await route.fetch();
      await route.abort('connectionreset');
      return;
    }
    await route.continue();
  });

  const weights = ['6,6', '7,7', '8,8', '9,9', '10,1', '11,2', '12,3', '13,4', '14,5', '15,6'];
  const weight = page.getByTestId('line-weight');
  await weight.focus();
  for (const w of weights) {
    await page.keyboard.type(w, { delay: 20 });
    await page.keyboard.press('Enter');
    // The field is emptied as soon as the line is taken, before the server answers
    // (read at once: no waiting here, the next weight is typed straight away).
    expect(await weight.inputValue()).toBe('');
  }
  // Lines waiting for the server are shown at once, then confirmed one by one.
  await expect(page.getByTestId('line-row').or(page.getByTestId('line-pending'))).toHaveCount(10);
  await expect(page.getByTestId('line-pending')).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByTestId('line-row')).toHaveCount(10);
  const shown = await page.getByTestId('line-weight-cell').allInnerTexts();
  // As screens show weights: two decimals (three when the grams need them).
  expect(shown).toEqual(weights.map((w) => (w.includes(',') ? w.padEnd(w.indexOf(',') + 3, '0') : `${w},00`)));
  await expect(page.getByTestId('total-lines')).toHaveText('10');
  await expect(page.getByTestId('total-entry')).toHaveText('110,10 kg');

  const detail = await (await page.request.get(`/v1/reception/tickets/${ticketId}`)).json();
  expect(detail.lignes.map((l: { poids_kg: number }) => l.poids_kg)).toEqual(weights.map((w) => Number(w.replace(',', '.'))));

  await test.step('a failed line shows its error and is sent again on retry', async () => {
    failNext = true;
    await page.keyboard.type('1,5');
    await page.keyboard.press('Enter');
    await page.keyboard.type('2,5');
    await page.keyboard.press('Enter');
    const failed = page.getByTestId('line-failed');
    await expect(failed).toHaveCount(1);
    await expect(failed.getByTestId('line-failed-error')).not.toBeEmpty();
    // The line after it waits: order is kept.
    await expect(page.getByTestId('line-pending')).toHaveCount(2);
    await failed.getByTestId('line-retry').click();
    await expect(page.getByTestId('line-pending')).toHaveCount(0, { timeout: 10_000 });
    await expect(page.getByTestId('line-row')).toHaveCount(12);
    const again = await page.getByTestId('line-weight-cell').allInnerTexts();
    expect(again.slice(10)).toEqual(['1,50', '2,50']);
  });

  await test.step('Enter adds the line from the category and destination lists too', async () => {
    await weight.focus();
    await page.keyboard.type('3');
    await page.getByTestId('line-category').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('line-row')).toHaveCount(13);
    await expect(weight).toBeFocused();
    await page.keyboard.type('4');
    await page.getByTestId('line-destination').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('line-row')).toHaveCount(14);
    const last = await page.getByTestId('line-weight-cell').allInnerTexts();
    expect(last.slice(12)).toEqual(['3,00', '4,00']);
  });

  await test.step('a line saved but whose answer was lost is not added twice on retry', async () => {
    loseAnswerNext = true;
    await weight.focus();
    await page.keyboard.type('5,5');
    await page.keyboard.press('Enter');
    const failed = page.getByTestId('line-failed');
    await expect(failed).toHaveCount(1);
    await failed.getByTestId('line-retry').click();
    await expect(page.getByTestId('line-pending')).toHaveCount(0, { timeout: 10_000 });
    await expect(page.getByTestId('line-row')).toHaveCount(15);
    const saved = await (await page.request.get(`/v1/reception/tickets/${ticketId}`)).json();
    expect(saved.lignes.filter((l: { poids_kg: number }) => l.poids_kg === 5.5)).toHaveLength(1);
    expect(saved.lines_count).toBe(15);
  });

  await page.unroute('**/api/reception_add_ligne');

  await test.step('categories are found by any part of their name, sub-categories included', async () => {
    await weight.focus();
    await page.keyboard.type('2');
    await page.getByTestId('line-category-search').fill('pe');
    await expect(page.getByTestId('line-category-matches')).toContainText('catégorie');
    await expect(page.getByTestId('line-category').locator('option:checked')).toHaveText(/Petit électroménager/);
    // The list holds the matches only (not hidden options, which iOS Safari still offers).
    const offered = await page.getByTestId('line-category').locator('option').allTextContents();
    expect(offered.length).toBeGreaterThan(0);
    for (const label of offered) expect(label.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()).toContain('pe');
    // Enter from the search field adds the line with the category found.
    await page.getByTestId('line-category-search').press('Enter');
    await expect(page.getByTestId('line-row')).toHaveCount(16);
    await expect(page.getByTestId('line-row').last()).toContainText('Petit électroménager');
    await expect(page.getByTestId('line-category-search')).toHaveValue('');
    // A search that finds nothing leaves no category chosen: Enter adds nothing and
    // says so, rather than filing the line under a category the list hides.
    await weight.focus();
    await page.keyboard.type('2');
    await page.getByTestId('line-category-search').fill('zzz');
    await expect(page.getByTestId('line-category-matches')).toContainText('Aucune catégorie');
    await expect(page.getByTestId('line-category').locator('option')).toHaveCount(0);
    await page.getByTestId('line-category-search').press('Enter');
    await expect(page.getByTestId('line-error')).toContainText('Choisissez une catégorie');
    await expect(page.getByTestId('line-row')).toHaveCount(16);
    await page.getByTestId('line-category-search').fill('');
    await page.getByTestId('line-category').selectOption({ index: 0 });
    await weight.fill('');
  });

  await test.step('deleting a line asks first', async () => {
    const last = page.getByTestId('line-row').last();
    await last.getByTestId('line-delete').click();
    await last.getByTestId('line-delete-cancel').click();
    await expect(page.getByTestId('line-row')).toHaveCount(16);
    await page.getByTestId('line-row').last().getByTestId('line-delete').click();
    await page.getByTestId('line-delete-confirm').click();
    await expect(page.getByTestId('line-row')).toHaveCount(15);
    await expect(page.getByTestId('total-lines')).toHaveText('15');
  });

  // Dates read as in France.
  await expect(page.getByTestId('ticket-title')).toHaveText(/^Ticket \d{4}-\d{5} du \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/);
  await page.getByTestId('close-ticket').click();
  await page.getByTestId('close-ticket-confirm').click();
  await expect(page.getByTestId('ticket-status')).toHaveText('Fermé');

  await test.step('the donor’s receipt lists the weighed items and their total, and prints alone', async () => {
    const total = await page.getByTestId('total-entry').innerText();
    const number = (await page.getByTestId('ticket-title').innerText()).split(' ')[1];
    await page.getByTestId('receipt-link').click();
    await page.waitForURL(/\/recu$/);
    await expect(page).toHaveTitle(`Reçu ${number} · RecyClique`);
    await expect(page.getByTestId('receipt-number')).toHaveText(number);
    await expect(page.getByTestId('receipt-line')).toHaveCount(15);
    await expect(page.getByTestId('receipt-total')).toHaveText(total);
    await expect(page.getByTestId('receipt-date')).toHaveText(/^Le \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/);
    // Printed, only the receipt shows: no header, no buttons.
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('.app-header')).toBeHidden();
    await expect(page.getByTestId('print-a4')).toBeHidden();
    await expect(page.getByTestId('receipt')).toBeVisible();
    await page.emulateMedia({ media: 'screen' });
    // The 80 mm layout: the receipt narrows to the roll (print() itself is stubbed).
    await page.evaluate(() => { window.print = () => {}; });
    await page.getByTestId('print-80').click();
    await expect(page.getByTestId('receipt')).toHaveClass(/receipt-80/);
    const width = await page.getByTestId('receipt').evaluate((e) => e.getBoundingClientRect().width);
    expect(width).toBeLessThanOrEqual(300); // 72 mm is about 272 CSS px
  });

  await gotoHydrated(page, '/reception');
  await page.getByTestId('close-poste').click();
  await page.getByTestId('close-poste-confirm').click();
  await expect(page.getByTestId('poste-status')).toHaveText('Aucun poste ouvert.');
});

test('ticket list: pages with the total, number search, filters kept in the URL', async ({ page }) => {
  test.slow();
  const admin = adminCredentials();
  await login(page, admin.username, admin.password);
  expect((await page.request.post('/v1/reception/postes/open')).status()).toBe(201);
  const created: { id: string; number: string }[] = [];
  for (let i = 0; i < 55; i++) {
    const r = await page.request.post('/v1/reception/tickets');
    expect(r.status()).toBe(201);
    created.push(await r.json());
  }
  const all = await (await page.request.get('/v1/reception/tickets?page_size=1')).json();
  const total: number = all.total;
  expect(total).toBeGreaterThanOrEqual(55);

  await gotoHydrated(page, '/reception');
  await expect(page.getByTestId('tickets-range')).toHaveText(`1-50 sur ${total}`);
  await expect(page.getByTestId('ticket-row')).toHaveCount(50);
  // Latest first: the last ticket created heads the list, with its number.
  await expect(page.getByTestId('ticket-number').first()).toHaveText(created[54].number);
  await expect(page.getByTestId('tickets-previous')).toBeDisabled();

  await page.getByTestId('tickets-next').click();
  await expect(page).toHaveURL(/[?&]page=2\b/);
  await expect(page.getByTestId('tickets-range')).toHaveText(`51-${Math.min(100, total)} sur ${total}`);
  // A reload (or a shared link) shows the same page.
  await gotoHydrated(page, page.url());
  await expect(page.getByTestId('tickets-range')).toHaveText(`51-${Math.min(100, total)} sur ${total}`);
  await page.getByTestId('tickets-previous').click();
  await expect(page.getByTestId('tickets-range')).toHaveText(`1-50 sur ${total}`);

  await test.step('search by number', async () => {
    const wanted = created[3].number;
    await page.getByTestId('tickets-number').fill(wanted);
    await page.getByTestId('tickets-number').press('Enter');
    await expect(page).toHaveURL(new RegExp(`[?&]number=${wanted}`));
    await expect(page.getByTestId('ticket-row')).toHaveCount(1);
    await expect(page.getByTestId('ticket-number')).toHaveText(wanted);
    await expect(page.getByTestId('tickets-range')).toHaveText('1-1 sur 1');
    // A number that cannot be one is refused on the field; the list stays as it was.
    const field = page.getByTestId('tickets-number');
    await field.fill('pas-un-numero');
    await field.press('Enter');
    await expect(page.getByTestId('tickets-number-error')).toContainText('Numéro de ticket invalide');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveAttribute('aria-describedby', 'tickets-number-error');
    await expect(field).toBeFocused();
    await expect(page).toHaveURL(new RegExp(`[?&]number=${wanted}`));
    await expect(page.getByTestId('ticket-row')).toHaveCount(1);
    await page.keyboard.press('Backspace');
    await expect(page.getByTestId('tickets-number-error')).toHaveCount(0);
    await expect(field).not.toHaveAttribute('aria-invalid', 'true');
    // Typed into the address by hand, the list says why it shows nothing.
    await gotoHydrated(page, '/reception?number=pas-un-numero');
    await expect(page.getByTestId('tickets-error')).toContainText('Numéro de ticket invalide');
    await page.getByTestId('tickets-number').fill('');
    await page.getByTestId('tickets-number').press('Enter');
    await expect(page.getByTestId('ticket-row')).toHaveCount(50);
  });

  await test.step('filters are kept in the URL', async () => {
    await page.getByTestId('tickets-period').selectOption('today');
    await page.getByTestId('tickets-status').selectOption('opened');
    await expect(page).toHaveURL(/[?&]status=opened\b/);
    await expect(page).toHaveURL(/[?&]period=today\b/);
    await page.getByTestId('tickets-benevole').selectOption({ label: 'Administrateur' });
    await expect(page).toHaveURL(/[?&]benevole_id=[0-9a-f-]{36}/);
    await expect(page.getByTestId('tickets-range')).toHaveText('1-50 sur 55');
    await gotoHydrated(page, page.url());
    await expect(page.getByTestId('tickets-status')).toHaveValue('opened');
    await expect(page.getByTestId('tickets-period')).toHaveValue('today');
    await expect(page.getByTestId('tickets-range')).toHaveText('1-50 sur 55');
  });

  for (const t of created) {
    expect((await page.request.post(`/v1/reception/tickets/${t.id}/close`)).status()).toBe(200);
  }
  const poste = await (await page.request.get('/v1/reception/postes/current')).json();
  expect((await page.request.post(`/v1/reception/postes/${poste.id}/close`)).status()).toBe(200);
});

test('a bénévole at phone size on a slow connection: poste, ticket, entry, delete, close', async ({ page, browser }) => {
  test.slow();
  const admin = adminCredentials();
  await login(page, admin.username, admin.password);
  const username = `phone-benevole-${Date.now()}`;
  const password = 'mot-de-passe-telephone';
  const created = await page.request.post('/v1/admin/users', {
    data: { username, display_name: 'Bénévole téléphone', password, permissions: ['reception.access'] },
  });
  expect(created.status()).toBe(201);

  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const phone = await context.newPage();
  await login(phone, username, password);
  // Every server call from here on takes 300 ms more, as on a weak mobile connection.
  await phone.route('**/api/**', async (route) => {
    await new Promise((r) => setTimeout(r, 300));
    await route.continue();
  });
  /** Nothing wider than the screen: no sideways scrolling at the desk. */
  const fitsTheScreen = async () => {
    const { width, wider } = await phone.evaluate(() => ({
      width: document.documentElement.scrollWidth,
      // The innermost elements that stick out, outside the rows that scroll on their
      // own (the header, the KPI figures), to say what does.
      wider: [...document.body.querySelectorAll('*')]
        .filter((e) => {
          for (let a = e.parentElement; a; a = a.parentElement) {
            if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) return false;
          }
          return e.getBoundingClientRect().right > 391 && ![...e.children].some((c) => c.getBoundingClientRect().right > 391);
        })
        .slice(0, 5)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className} [${e.getAttribute('data-testid') ?? ''}] right=${Math.round(e.getBoundingClientRect().right)}`),
    }));
    expect(width, `wider than the phone: ${wider.join(', ')}`).toBeLessThanOrEqual(390);
  };

  await test.step('open the poste and a ticket with taps', async () => {
    await gotoHydrated(phone, '/reception');
    await expect(phone.getByTestId('poste-status')).toHaveText('Aucun poste ouvert.');
    await phone.getByTestId('open-poste').tap();
    await expect(phone.getByTestId('poste-status')).toContainText('Poste ouvert depuis le');
    await fitsTheScreen();
    await phone.getByTestId('new-ticket').tap();
    await phone.waitForURL(/\/reception\/tickets\/[0-9a-f-]{36}$/);
    await expect(phone.getByTestId('lines-empty')).toBeVisible();
    const bannerBottom = await phone.getByTestId('kpi-banner').evaluate((e) => e.getBoundingClientRect().bottom);
    expect(bannerBottom).toBeLessThanOrEqual(844 / 4);
    await fitsTheScreen();
  });

  await test.step('find a category by part of its name, then type three weights fast', async () => {
    await phone.getByTestId('line-category-search').tap();
    await phone.keyboard.type('pe');
    await expect(phone.getByTestId('line-category-matches')).toContainText('trouvée');
    const chosen = await phone.getByTestId('line-category').evaluate((s: HTMLSelectElement) => s.options[s.selectedIndex].text);
    expect(chosen.toLowerCase()).toContain('pe');
    await phone.getByTestId('line-weight').tap();
    for (const w of ['1,2', '3,4', '5,6']) {
      await phone.keyboard.type(w, { delay: 15 });
      await phone.keyboard.press('Enter');
      expect(await phone.getByTestId('line-weight').inputValue()).toBe('');
    }
    await expect(phone.getByTestId('line-pending')).toHaveCount(0, { timeout: 15_000 });
    await expect(phone.getByTestId('line-row')).toHaveCount(3);
    expect(await phone.getByTestId('line-weight-cell').allInnerTexts()).toEqual(['1,20', '3,40', '5,60']);
    await expect(phone.getByTestId('total-entry')).toHaveText('10,20 kg');
  });

  await test.step('the lines are cards, each value labelled by its column', async () => {
    const table = phone.getByTestId('lines-table');
    await expect(table.locator('thead')).toBeHidden();
    const row = phone.getByTestId('line-row').first();
    expect(await row.evaluate((r) => getComputedStyle(r).display)).toBe('block');
    const label = await phone.getByTestId('line-weight-cell').first().evaluate((c) => getComputedStyle(c, '::before').content);
    expect(label).toContain('Poids');
    await fitsTheScreen();
  });

  await test.step('delete a line after confirming, with a tap', async () => {
    const second = phone.getByTestId('line-row').nth(1);
    await second.getByTestId('line-delete').tap();
    await phone.getByTestId('line-delete-cancel').tap();
    await expect(phone.getByTestId('line-row')).toHaveCount(3);
    await second.getByTestId('line-delete').tap();
    await phone.getByTestId('line-delete-confirm').tap();
    await expect(phone.getByTestId('line-row')).toHaveCount(2);
    expect(await phone.getByTestId('line-weight-cell').allInnerTexts()).toEqual(['1,20', '5,60']);
    await expect(phone.getByTestId('total-entry')).toHaveText('6,80 kg');
  });

  await test.step('close the ticket and the poste: the shift summary counts them', async () => {
    await phone.getByTestId('close-ticket').tap();
    await phone.getByTestId('close-ticket-confirm').tap();
    await expect(phone.getByTestId('ticket-status')).toHaveText('Fermé');
    await expect(phone.getByTestId('line-form')).toHaveCount(0);
    await gotoHydrated(phone, '/reception');
    // "Non" keeps the poste open.
    await phone.getByTestId('close-poste').tap();
    await phone.getByTestId('close-poste-cancel').tap();
    await expect(phone.getByTestId('poste-status')).toContainText('Poste ouvert depuis le');
    await phone.getByTestId('close-poste').tap();
    await phone.getByTestId('close-poste-confirm').tap();
    await expect(phone.getByTestId('poste-status')).toHaveText('Aucun poste ouvert.');
    await expect(phone.getByTestId('summary-tickets')).toHaveText('1');
    await expect(phone.getByTestId('summary-lines')).toHaveText('2');
    await expect(phone.getByTestId('summary-entry')).toHaveText('6,80');
    await fitsTheScreen();
  });
  await context.close();
});

test('category admin: a double click creates once, a duplicate is refused on the field, archive and restore keep the parent', async ({ page }) => {
  const admin = adminCredentials();
  await login(page, admin.username, admin.password);
  await gotoHydrated(page, '/admin/categories');
  const name = `Jouets anciens ${Date.now()}`;
  const field = page.getByTestId('category-name');
  await field.fill(name);
  await page.getByTestId('category-parent').selectOption({ label: 'Textile' });
  // Every write takes 300 ms more: the second click lands while the first is sent.
  await page.route('**/api/categories_*', async (route) => {
    await new Promise((r) => setTimeout(r, 300));
    await route.continue();
  });
  await page.getByTestId('category-submit').dblclick();
  const rows = page.getByTestId('category-row').filter({ hasText: name });
  await expect(rows).toHaveCount(1);
  await expect(field).toHaveValue('');
  const listed = await (await page.request.get('/v1/categories')).json();
  const textile = listed.find((c: { name: string; parent_id: string | null }) => c.name === 'Textile' && c.parent_id === null);
  const created = listed.filter((c: { name: string }) => c.name === name);
  expect(created).toHaveLength(1);
  expect(created[0].parent_id).toBe(textile.id);

  // The same name in other letters: refused, on the field, which gets the focus.
  await field.fill(name.toUpperCase());
  await page.getByTestId('category-parent').selectOption({ label: 'Textile' });
  await page.getByTestId('category-submit').click();
  await expect(page.getByTestId('category-error')).toContainText('existe déjà');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(field).toHaveAttribute('aria-describedby', 'category-error');
  await expect(field).toBeFocused();
  // Typing clears the message.
  await page.keyboard.type('x');
  await expect(page.getByTestId('category-error')).toHaveCount(0);
  await expect(field).not.toHaveAttribute('aria-invalid', 'true');
  await field.fill('');

  // Archive then restore the sub-category: it stays under Textile.
  await rows.getByTestId('category-archive').click();
  await expect(rows).toContainText('Archivée');
  await rows.getByTestId('category-archive').click();
  await expect(rows).toContainText('Active');
  const after = (await (await page.request.get('/v1/categories')).json()).find((c: { id: string }) => c.id === created[0].id);
  expect(after.parent_id).toBe(textile.id);
  expect(after.archived).toBe(false);

  // On a phone the admin tables read as cards too, each value labelled.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ['/admin/categories', '/admin/users']) {
    await gotoHydrated(page, path);
    const table = page.locator('table.cards-narrow').first();
    await expect(table.locator('thead')).toBeHidden();
    const label = await table.locator('tbody td').first().evaluate((c) => getComputedStyle(c, '::before').content);
    expect(label, path).not.toBe('none');
    expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
  }
});
