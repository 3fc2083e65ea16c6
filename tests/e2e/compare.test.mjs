// Compare coders: two profiles code the speech, one file opens side by side
// in the other, the agreement panel reads α and κ, the disagreement filter
// shows only the differing paragraphs, and one is adjudicated by union.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

let server, p1, p2, a, b, paras;

before(async () => {
  server = await startServer();
  p1 = await openProfile();
  p2 = await openProfile();
  a = await AnnotatorPage.open(p1.context, server.url);
  b = await AnnotatorPage.open(p2.context, server.url);
  paras = await a.blockIndexes('paragraph');
});
after(async () => {
  await p1?.close();
  await p2?.close();
  await server?.close();
});

test('two coders code the first six paragraphs; one opens the other\'s file side by side', async () => {
  // identical on trade; they differ on investment in paragraph 2 and 4
  const codeA = [['trade'], ['trade', 'investment'], [], ['environment'], ['investment'], ['accountability']];
  const codeB = [['trade'], ['trade'], [], ['environment', 'investment'], ['investment'], ['accountability']];
  for (const [app, coding, name] of [[a, codeA, '甲 A'], [b, codeB, '乙 B']]) {
    await app.page.locator('[data-coder-name]').fill(name);
    await app.page.locator('[data-coder-name]').press('Enter');
    for (let i = 0; i < coding.length; i++) for (const t of coding[i]) await app.clickTheme(paras[i], t);
    await app.writeNote(paras[1], `${name} 的理由`);
  }
  assert.equal(await b.page.locator('[data-agreement]').count(), 0, 'no panel with one coder');
  const file = await a.download('json');
  await b.importFile(file);
  await b.page.locator('[data-import-mode="side-by-side"]').click();
  await b.page.locator('[data-agreement]').waitFor();
});

test('the agreement panel shows α, κ and percent per theme and overall', async () => {
  const alpha = Number(await b.page.locator('[data-agreement-alpha]').innerText());
  assert.ok(alpha > 0 && alpha < 1, `overall α ${alpha}`);
  const trade = b.page.locator('[data-agreement-theme="trade"]');
  assert.equal(await trade.getAttribute('data-percent'), '1.000');
  assert.equal(await trade.getAttribute('data-alpha'), '1.000');
  const inv = b.page.locator('[data-agreement-theme="investment"]');
  assert.ok(Number(await inv.getAttribute('data-percent')) < 1);
  assert.match(await inv.getAttribute('data-kappa'), /^-?\d\.\d{3}$/);
  // every heading and paragraph up to the last one both coders touched
  const units = await b.page.$$eval('[data-kind="heading"],[data-kind="paragraph"]', (els, last) => els.filter((e) => Number(e.dataset.block) <= last).length, paras[5]);
  assert.equal(await inv.locator('td').nth(4).innerText(), String(units));
  assert.equal(await inv.locator('td').nth(5).innerText(), '2', 'two coders');
  // Cohen's kappa for the one pair of coders, pooled over themes
  const pairs = b.page.locator('[data-kappa-pair]');
  assert.equal(await pairs.count(), 1);
  assert.match(await pairs.first().getAttribute('data-kappa'), /^0\.\d{3}$/);
  assert.match(await pairs.first().innerText(), /甲 A/);
});

test('a paragraph marked "not coded" counts as missing, not as "no theme"', async () => {
  const inv = b.page.locator('[data-agreement-theme="investment"]');
  const units = Number(await inv.locator('td').nth(4).innerText());
  await b.showControls(paras[2]);
  await b.block(paras[2]).locator('[data-uncoded-toggle]').click();
  assert.equal(await b.block(paras[2]).getAttribute('data-uncoded'), 'true');
  await b.page.waitForFunction((n) => document.querySelector('[data-agreement-theme="investment"] td:nth-child(5)')?.textContent === String(n), units - 1);
  // the x key takes the mark back
  await b.focusBlock(paras[2]);
  await b.press('x');
  assert.equal(await b.block(paras[2]).getAttribute('data-uncoded'), null);
  assert.equal(await inv.locator('td').nth(4).innerText(), String(units));
});

test('the disagreement filter shows only paragraphs where coders differ, side by side', async () => {
  await b.page.locator('[data-filter="disagreements"]').click();
  const shown = await b.page.$$eval('[data-kind="paragraph"]:not([hidden])', (els) => els.map((e) => Number(e.dataset.block)));
  assert.deepEqual(shown, [paras[1], paras[3]]);
  const other = b.block(paras[1]).locator('[data-coder]');
  assert.equal(await other.getAttribute('data-coder-themes'), 'investment trade');
  assert.match(await other.innerText(), /甲 A/, 'the other coder is named');
  assert.equal(await other.locator('[data-coder-note]').innerText(), '✎ 甲 A 的理由', 'with their note');
  assert.equal(await b.noteOf(paras[1]), '乙 B 的理由', 'beside our own');
  // on one theme only: trade is agreed everywhere, investment differs twice
  await b.page.locator('[data-filter-theme]').selectOption('trade');
  await b.page.waitForFunction(() => document.querySelectorAll('[data-kind="paragraph"]:not([hidden])').length === 0);
  await b.page.locator('[data-filter-theme]').selectOption('investment');
  const onInvestment = await b.page.$$eval('[data-kind="paragraph"]:not([hidden])', (els) => els.map((e) => Number(e.dataset.block)));
  assert.deepEqual(onInvestment, [paras[1], paras[3]]);
  await b.page.locator('[data-filter-theme]').selectOption('');
});

test('adjudicating by union writes the consensus, and undo takes it back', async () => {
  await b.block(paras[1]).locator('[data-adjudicate="union"]').click();
  const consensus = b.block(paras[1]).locator('[data-coder="consensus"]');
  await consensus.waitFor();
  assert.equal(await consensus.getAttribute('data-coder-themes'), 'investment trade');
  await b.block(paras[3]).locator('[data-adjudicate="intersection"]').click();
  assert.equal(await b.block(paras[3]).locator('[data-coder="consensus"]').getAttribute('data-coder-themes'), 'environment');
  await b.press('Control+z');
  assert.equal(await b.block(paras[3]).locator('[data-coder="consensus"]').getAttribute('data-coder-themes'), '');
  // settled by hand: the consensus row's chips are toggles
  await b.block(paras[3]).locator('[data-coder="consensus"] [data-consensus-toggle="accountability"]').click();
  assert.equal(await b.block(paras[3]).locator('[data-coder="consensus"]').getAttribute('data-coder-themes'), 'accountability');
  await b.press('Control+z');
  assert.equal(await b.block(paras[3]).locator('[data-coder="consensus"]').getAttribute('data-coder-themes'), '');
  await b.settle();
  await b.reload();
  assert.equal(await b.block(paras[1]).locator('[data-coder="consensus"]').getAttribute('data-coder-themes'), 'investment trade', 'consensus kept');
  // the consensus exports like any set
  await b.page.locator('[data-menu="share"] summary').click();
  await b.page.locator('[data-export-all-sets]').check();
  const file = await b.download('json');
  assert.ok(JSON.parse(file.text).sets.some((s) => s.kind === 'consensus'));
  const csv = await b.download('csv');
  const header = csv.text.split('\r\n')[0];
  assert.match(header, /,coder,/, 'one row per coder and paragraph');
  assert.ok(csv.text.split('\r\n').some((row) => row.includes(',共识 · Consensus,')), 'the consensus is a coder column value');
});

test('REFI-QDA: the .qdpx project and .qdc codebook re-import into a fresh profile', async () => {
  const qdpx = await b.download('qdpx');
  assert.equal(qdpx.bytes.subarray(0, 2).toString(), 'PK', 'a zip');
  const qdc = await b.download('qdc');
  assert.match(qdc.text, /urn:QDA-XML:codebook:1\.0/);
  const fresh = await openProfile();
  try {
    const c = await AnnotatorPage.open(fresh.context, server.url);
    await c.importFile(qdpx);
    const dialog = c.page.locator('[data-import-preview]');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /REFI|qdpx/i);
    await dialog.locator('[data-import-mode="side-by-side"]').click();
    await c.page.locator('[data-agreement]').waitFor();
    assert.equal(await c.block(paras[1]).locator('[data-coder]').count(), 3, 'both coders and the consensus');
    const pairIds = await c.page.locator('[data-kappa-pair]').evaluateAll((els) => els.map((e) => e.dataset.kappaPair));
    assert.ok(pairIds.length > 0 && pairIds.every((p) => !p.includes('consensus')), `the consensus is not a coder: ${pairIds}`);
    const themes = await c.block(paras[1]).locator('[data-coder]').evaluateAll((els) => els.map((e) => e.dataset.coderThemes).sort());
    assert.deepEqual(themes, ['investment trade', 'investment trade', 'trade']);
    // the team's codebook on its own: same themes, nothing duplicated
    const themesBefore = await c.page.locator('[data-theme-filter]').count();
    await c.importFile(qdc);
    await c.page.locator('[data-import-preview]').waitFor();
    await c.page.locator('[data-import-mode="merge"]').click();
    await c.page.locator('[data-import-preview]').waitFor({ state: 'detached' });
    assert.equal(await c.page.locator('[data-theme-filter]').count(), themesBefore, 'no duplicate themes');
    await c.importFile({ name: 'evil.qdpx', bytes: Buffer.from('PK\u0003\u0004 not really a zip') });
    await c.page.locator('[role="alert"]').filter({ hasText: 'evil.qdpx' }).waitFor();
    c.assertNoConsoleErrors();
  } finally {
    await fresh.close();
  }
});

test('no console errors', () => {
  a.assertNoConsoleErrors();
  b.assertNoConsoleErrors();
});
