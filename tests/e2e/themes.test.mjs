// A codebook of 300 codes (REFI-QDA .qdc, nested) stays usable: paragraphs
// offer their pinned and present themes plus a searchable picker, the theme
// panel searches, collapses and pins, and pinning is undoable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

const PARENTS = 20;
const CHILDREN = 14; // 20 parents + 280 sub-themes = 300 codes
const BUILTIN = 4;
const TOTAL = BUILTIN + PARENTS * (1 + CHILDREN);

const pad = (n) => String(n).padStart(2, '0');
const color = (i) => `#${((i * 2654435761) >>> 8 & 0xffffff).toString(16).padStart(6, '0')}`;
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/** A REFI-QDA codebook: PARENTS codes, each with CHILDREN nested codes; one of them is 海洋经济 Ocean economy. */
function codebook() {
  const parents = [];
  let n = 0;
  for (let p = 1; p <= PARENTS; p++) {
    const parent = { guid: randomUUID(), name: `类别${pad(p)} Category ${pad(p)}`, children: [] };
    for (let c = 1; c <= CHILDREN; c++) {
      const name = p === 5 && c === 7 ? '海洋经济 Ocean economy' : `编码${pad(p)}-${pad(c)} Code ${pad(p)}-${pad(c)}`;
      parent.children.push({ guid: randomUUID(), name });
    }
    parents.push(parent);
  }
  const code = (c, inner = '') =>
    `<Code guid="${c.guid}" name="${esc(c.name)}" isCodable="true" color="${color(++n)}">${inner}</Code>`;
  const xml = '<?xml version="1.0" encoding="utf-8"?>\n'
    + '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
    + parents.map((p) => code(p, p.children.map((c) => code(c)).join(''))).join('')
    + '</Codes></CodeBook>';
  const id = (c) => `refi-${c.guid}`;
  return { xml, parents, id, ocean: id(parents[4].children[6]), oceanParent: id(parents[4]) };
}

let server, profile, app, paras, book;

/** Polls until `fn` returns something truthy (the page updates after the event). */
async function until(fn, what) {
  const end = Date.now() + 5000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const rows = () => app.page.locator('[data-theme-row]');
const total = () => app.page.locator('[data-theme-total]').innerText();
const chipsOf = (i) => app.block(i).locator('[data-theme-toggle]');
/** The themes a block suggests (their chips show beside the pinned ones). */
const suggestedOn = async (i) => (await app.block(i).getAttribute('data-suggested')).split(' ').filter(Boolean);

before(async () => {
  server = await startServer();
  profile = await openProfile();
  app = await AnnotatorPage.open(profile.context, server.url);
  paras = await app.blockIndexes('paragraph');
  book = codebook();
  await app.importFile({ name: 'team-codebook.qdc', text: book.xml });
  const dialog = app.page.locator('[data-import-preview]');
  await dialog.waitFor();
  await dialog.locator('[data-import-mode="merge"]').click();
  await dialog.waitFor({ state: 'detached' });
});

after(async () => {
  await profile?.close();
  await server?.close();
});

test('the 300 codes arrive nested, and the panel counts them', async () => {
  assert.match(await total(), new RegExp(`^${TOTAL} 个主题 · ${TOTAL} themes$`));
  // parents start collapsed: the built-ins and the 20 parents
  assert.equal(await rows().count(), BUILTIN + PARENTS);
  const parent = app.page.locator(`[data-theme-collapse="${book.oceanParent}"]`);
  assert.equal(await parent.getAttribute('aria-expanded'), 'false');
});

test('a paragraph shows its pinned and present themes, not 300 chips, and a button for the rest', async () => {
  await app.showControls(paras[0]);
  assert.equal(await chipsOf(paras[0]).count(), BUILTIN, 'the pinned built-ins only');
  assert.deepEqual(
    await chipsOf(paras[0]).evaluateAll((els) => els.map((e) => e.dataset.themeToggle)),
    ['investment', 'trade', 'environment', 'accountability'],
  );
  assert.equal(await app.block(paras[0]).locator('[data-theme-more]').count(), 1);
  const taggable = paras.length + (await app.blockIndexes('heading')).length;
  assert.equal(await app.page.locator('[data-theme-toggle]').count(), BUILTIN, 'on the whole page: the block pointed at has toggles');
  assert.equal(await app.page.locator('[data-tags-compact]').count(), taggable - 1, 'the others quiet chips');
  // built-in chips still toggle
  await app.clickTheme(paras[0], 'trade');
  assert.deepEqual(await app.themesOf(paras[0]), ['trade']);
  await app.clickTheme(paras[0], 'trade');
});

test('the picker finds a code by part of its name; Enter tags the paragraph and its chip appears', async () => {
  const block = app.block(paras[0]);
  await app.showControls(paras[0]);
  await block.locator('[data-theme-more]').click();
  const search = block.locator('[data-theme-picker-search]');
  await until(() => search.evaluate((e) => e === document.activeElement), 'the search box to have the focus');
  assert.equal(await block.locator('[data-theme-more]').getAttribute('aria-expanded'), 'true');
  await search.fill('海洋');
  const picks = block.locator('[data-theme-pick]');
  await until(async () => (await picks.count()) === 1, 'one match');
  assert.equal(await picks.first().getAttribute('data-theme-pick'), book.ocean);
  assert.match(await picks.first().evaluate((e) => e.textContent), /类别05 Category 05 › 海洋经济 Ocean economy/);
  await search.press('Enter');
  await block.locator('[data-theme-picker]').waitFor({ state: 'detached' });
  assert.deepEqual(await app.themesOf(paras[0]), [book.ocean]);
  const chip = block.locator(`[data-theme-toggle="${book.ocean}"]`);
  assert.equal(await chip.getAttribute('aria-pressed'), 'true');
  assert.equal(await chipsOf(paras[0]).count(), BUILTIN + 1, 'pinned + tagged');
  assert.equal(await app.focusedBlock(), paras[0]);
  // the English name, any case, and by a click; picking again removes it, as the chip would
  await block.locator('[data-theme-more]').click();
  await block.locator('[data-theme-picker-search]').fill('OCEAN eco');
  const pick = block.locator(`[data-theme-pick="${book.ocean}"]`);
  assert.equal(await pick.getAttribute('aria-pressed'), 'true');
  await pick.click();
  await block.locator('[data-theme-picker]').waitFor({ state: 'detached' });
  assert.deepEqual(await app.themesOf(paras[0]), []);
  assert.equal(await chipsOf(paras[0]).count(), BUILTIN, 'an untagged, unpinned theme leaves no chip');
  // undo brings the tag back, with its chip
  await app.press('Control+z');
  assert.deepEqual(await app.themesOf(paras[0]), [book.ocean]);
  await until(async () => (await chipsOf(paras[0]).count()) === BUILTIN + 1, 'the chip back');
  await app.clickTheme(paras[0], book.ocean);
  assert.deepEqual(await app.themesOf(paras[0]), []);
});

test('the picker says when nothing matches, by id too, and Escape closes it', async () => {
  const block = app.block(paras[1]);
  await app.showControls(paras[1]);
  await block.locator('[data-theme-more]').click();
  const search = block.locator('[data-theme-picker-search]');
  await search.fill('zzz-nothing');
  await until(async () => (await block.locator('[data-theme-pick]').count()) === 0, 'no matches');
  assert.match(await block.locator('[data-theme-picker-count]').innerText(), /No matching theme/);
  await search.fill(book.ocean.slice(0, 18));
  await until(async () => (await block.locator(`[data-theme-pick="${book.ocean}"]`).count()) === 1, 'a match by id');
  // an empty search lists a first page of every theme
  await search.fill('');
  assert.match(await block.locator('[data-theme-picker-count]').innerText(), new RegExp(`of ${TOTAL} shown`));
  await search.press('Escape');
  await block.locator('[data-theme-picker]').waitFor({ state: 'detached' });
  assert.equal(await block.locator('[data-theme-more]').getAttribute('aria-expanded'), 'false');
  assert.deepEqual(await app.themesOf(paras[1]), [], 'nothing picked');
  // number keys typed in the search did not tag anything, and they work again on the paragraph
  await app.press('2');
  assert.deepEqual(await app.themesOf(paras[1]), ['trade']);
  await app.press('2');
});

test('the panel search narrows the rows by name or id, showing sub-themes under collapsed parents', async () => {
  const search = app.page.locator('[data-theme-search]');
  await search.fill('Ocean');
  await until(async () => (await rows().count()) === 2, 'the match and its parent');
  assert.deepEqual(await rows().evaluateAll((els) => els.map((e) => [e.dataset.themeRow, e.hasAttribute('data-theme-context')])), [
    [book.oceanParent, true],
    [book.ocean, false],
  ]);
  assert.equal(await total(), `1 / ${TOTAL} 个主题 · 1 of ${TOTAL} themes`);
  await search.fill('编码05');
  await until(async () => (await rows().count()) === 1 + CHILDREN - 1, 'the 13 codes of category 05, and their parent');
  assert.match(await total(), new RegExp(`^13 / ${TOTAL} `));
  await search.fill('investment');
  await until(async () => (await rows().count()) === 1, 'one row');
  assert.equal(await rows().first().getAttribute('data-theme-row'), 'investment');
  await search.fill('');
  await until(async () => (await rows().count()) === BUILTIN + PARENTS, 'all parents back, collapsed');
});

test('collapsing and expanding a parent hides and shows its sub-themes', async () => {
  const toggle = app.page.locator(`[data-theme-collapse="${book.oceanParent}"]`);
  await toggle.click();
  await until(async () => (await rows().count()) === BUILTIN + PARENTS + CHILDREN, 'the children shown');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const order = await rows().evaluateAll((els) => els.map((e) => e.dataset.themeRow));
  const at = order.indexOf(book.oceanParent);
  assert.ok(order.indexOf(book.ocean) > at && order.indexOf(book.ocean) <= at + CHILDREN, 'listed under its parent');
  assert.match(await app.page.locator(`[data-theme-row="${book.ocean}"]`).getAttribute('class'), /sub/);
  await toggle.click();
  await until(async () => (await rows().count()) === BUILTIN + PARENTS, 'the children hidden');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await app.page.locator(`[data-theme-row="${book.ocean}"]`).count(), 0);
});

test('pinning gives the first free key (5); 5 then toggles the theme on the focused paragraph; undo unpins', async () => {
  await app.page.locator('[data-theme-search]').fill('海洋');
  const pin = app.page.locator(`[data-theme-pin="${book.ocean}"]`);
  assert.equal(await pin.getAttribute('aria-pressed'), 'false');
  await pin.click();
  await until(async () => (await pin.getAttribute('aria-pressed')) === 'true', 'pinned');
  assert.equal(await app.page.locator(`[data-theme-row="${book.ocean}"] kbd`).innerText(), '5');
  assert.match(await app.page.locator('[role="status"]').filter({ hasText: '海洋经济' }).innerText(), /5/);
  await app.page.locator('[data-theme-search]').fill('');
  // every paragraph now offers it
  await app.focusBlock(paras[3]);
  await until(async () => (await chipsOf(paras[3]).count()) === BUILTIN + 1, 'a chip for the pinned theme');
  await app.press('5');
  assert.deepEqual(await app.themesOf(paras[3]), [book.ocean]);
  // undo: the tag, then the pin
  await app.press('Control+z');
  assert.deepEqual(await app.themesOf(paras[3]), []);
  await app.press('Control+z');
  await until(async () => (await chipsOf(paras[3]).count()) === BUILTIN, 'the chip gone with the pin');
  await app.page.locator('[data-theme-search]').fill('海洋');
  await until(async () => (await pin.getAttribute('aria-pressed')) === 'false', 'unpinned');
  await app.page.locator('[data-theme-search]').fill('');
  await app.focusBlock(paras[3]);
  await app.press('5');
  assert.deepEqual(await app.themesOf(paras[3]), [], 'no theme on key 5 any more');
});

test('with all nine keys taken, pinning says so in both languages; unpinning frees a key', async () => {
  const parent = (i) => book.id(book.parents[i]);
  for (let i = 0; i < 5; i++) {
    await app.page.locator(`[data-theme-pin="${parent(i)}"]`).click();
    await until(async () => (await app.page.locator(`[data-theme-pin="${parent(i)}"]`).getAttribute('aria-pressed')) === 'true', `pinned ${i}`);
  }
  await app.page.locator(`[data-theme-pin="${parent(5)}"]`).click();
  const notice = app.page.locator('[role="status"]').filter({ hasText: '1–9' });
  await notice.waitFor();
  assert.match(await notice.innerText(), /数字键.*·.*number keys/);
  assert.equal(await app.page.locator(`[data-theme-pin="${parent(5)}"]`).getAttribute('aria-pressed'), 'false');
  // unpin a built-in: its key is the one the next pin takes
  await app.page.locator('[data-theme-pin="trade"]').click();
  await until(async () => (await app.page.locator('[data-theme-pin="trade"]').getAttribute('aria-pressed')) === 'false', 'trade unpinned');
  await app.page.locator(`[data-theme-pin="${parent(5)}"]`).click();
  await until(async () => (await app.page.locator(`[data-theme-row="${parent(5)}"] kbd`).count()) === 1, 'pinned');
  assert.equal(await app.page.locator(`[data-theme-row="${parent(5)}"] kbd`).innerText(), '2');
  // an unpinned built-in leaves the chips of an untagged paragraph (unless suggested for it)
  await app.showControls(paras[4]);
  const offered = (await suggestedOn(paras[4])).includes('trade');
  assert.equal(await chipsOf(paras[4]).and(app.page.locator('[data-theme-toggle="trade"]')).count(), offered ? 1 : 0);
});

test('pins and the codebook survive a reload', async () => {
  await app.settle();
  await app.reload();
  assert.match(await total(), new RegExp(`^${TOTAL} `));
  assert.equal(await app.page.locator(`[data-theme-row="${book.id(book.parents[5])}"] kbd`).innerText(), '2');
  await app.showControls(paras[0]);
  const offered = (await suggestedOn(paras[0])).includes('trade') ? 1 : 0;
  assert.equal(await chipsOf(paras[0]).count(), 9 + offered, 'nine pinned themes, none tagged (and trade if suggested)');
});

test('no console errors', () => app.assertNoConsoleErrors());
