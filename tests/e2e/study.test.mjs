// A real study end to end: three coders, each in their own browser profile,
// name themselves, code two documents, mark them done and export; a fourth
// imports all six files in one step, reads the corpus agreement, opens one
// document's disagreements, adjudicates one, and exports the reliability
// data, from which this test recomputes Krippendorff's α (nominal, pooled
// over paragraph × theme units, Krippendorff 2011) and compares it with the
// figure on screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.close(); });

const SECOND = '县长在全县招商引资大会上的讲话\n时间:2023-05-10\n一要扩大有效投资，抓好项目落地。\n二要稳住外贸，拓展出口市场。\n三要优化营商环境，提升服务效率。\n四要压实责任，对失职者严肃问责。\n五要加强协调，形成工作合力。\n';

/** Each coder's tags by paragraph position (index among paragraphs) and theme key. */
const CODERS = [
  { name: '李明', speech: { 0: '2', 1: '1', 2: '2', 4: '3', 6: '4' }, second: { 0: '1', 1: '2', 2: '3', 3: '4' } },
  { name: '王芳', speech: { 0: '2', 1: '1', 3: '2', 4: '3', 6: '4' }, second: { 0: '1', 1: '2', 2: '3', 4: '4' } },
  { name: '陈静', speech: { 0: '2', 2: '2', 4: '3', 5: '1' }, second: { 0: '1', 1: '2', 3: '4' } },
];

async function tagByKeys(app, tags) {
  const paras = await app.blockIndexes('paragraph');
  for (const [i, key] of Object.entries(tags)) {
    await app.focusBlock(paras[Number(i)]);
    await app.press(key);
  }
}

/** One coder's round: name, code, mark done, export both documents with their text. */
async function codeAndExport(coder) {
  const profile = await openProfile();
  try {
    const app = await AnnotatorPage.open(profile.context, server.url);
    // The light prompt asks for a name; it blocks nothing.
    await app.page.locator('[data-coder-prompt-name]').fill(coder.name);
    await app.page.locator('[data-coder-prompt-save]').click();
    await app.page.locator('[data-coder-prompt]').waitFor({ state: 'detached' });
    await tagByKeys(app, coder.speech);
    assert.equal(await app.page.locator('[data-doc-status]').getAttribute('data-doc-status'), 'in-progress');
    await app.press('d');
    await app.page.locator('[data-doc-status="done"]').waitFor();
    await app.settle();
    const speech = await app.download('json');
    await app.openLibrary();
    await app.page.locator('[data-paste-text]').fill(SECOND);
    await app.page.locator('[data-paste-open]').click();
    await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('招商引资大会'));
    if (await app.page.locator('aside.library').isVisible()) await app.page.locator('[data-action="library"]').click();
    assert.equal(await app.page.locator('[data-doc-status]').getAttribute('data-doc-status'), 'not-started');
    await tagByKeys(app, coder.second);
    await app.page.locator('[data-mark-done]').click();
    await app.page.locator('[data-doc-status="done"]').waitFor();
    await app.settle();
    const second = await app.download('json');
    for (const f of [speech, second]) {
      const parsed = JSON.parse(f.text);
      assert.equal(parsed.sets[0].name, coder.name, 'the name travels in the export');
      assert.equal(parsed.sets[0].status, 'done', 'so does the status');
    }
    app.assertNoConsoleErrors();
    return [speech, second];
  } finally {
    await profile.close();
  }
}

/** Krippendorff's α, nominal, from reliability data rows (Krippendorff 2011, coincidence matrix). */
function alphaFromCsv(text) {
  const lines = text.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  const parse = (line) => {
    const out = []; let cur = ''; let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) { if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch; }
      else if (ch === '"') quoted = true; else if (ch === ',') { out.push(cur); cur = ''; } else cur += ch;
    }
    out.push(cur);
    return out;
  };
  const header = parse(lines[0]);
  const col = (name) => { const i = header.indexOf(name); assert.ok(i >= 0, `column ${name}`); return i; };
  const [doc, para, theme, value] = ['document_id', 'paragraph_id', 'theme_id', 'value'].map(col);
  const units = new Map();
  for (const line of lines.slice(1)) {
    const r = parse(line);
    if (r[value] === '') continue;
    const key = `${r[doc]} ${r[para]} ${r[theme]}`;
    if (!units.has(key)) units.set(key, []);
    units.get(key).push(Number(r[value]));
  }
  const o = [[0, 0], [0, 0]];
  for (const vs of units.values()) {
    const m = vs.length;
    if (m < 2) continue;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) if (i !== j) o[vs[i]][vs[j]] += 1 / (m - 1);
  }
  const n0 = o[0][0] + o[0][1];
  const n1 = o[1][0] + o[1][1];
  const n = n0 + n1;
  const observed = (o[0][1] + o[1][0]) / n;
  const expected = (2 * n0 * n1) / (n * (n - 1));
  return { alpha: 1 - observed / expected, rows: lines.length - 1, units: units.size };
}

test('three coders code two documents each; a fourth imports their six files in one step and reports the corpus agreement', { timeout: 600_000 }, async () => {
  const files = [];
  for (const coder of CODERS) {
    const [speech, second] = await codeAndExport(coder);
    files.push({ name: `${coder.name}-speech.json`, mimeType: 'application/json', buffer: speech.bytes });
    files.push({ name: `${coder.name}-second.json`, mimeType: 'application/json', buffer: second.bytes });
  }
  const profile = await openProfile();
  try {
    const app = await AnnotatorPage.open(profile.context, server.url);
    await app.page.locator('[data-coder-prompt-later]').click();
    await app.page.locator('input[type=file][data-import]').setInputFiles(files);
    const preview = app.page.locator('[data-import-batch]');
    await preview.waitFor();
    assert.equal(await preview.locator('[data-import-file]').count(), 6);
    assert.match(await preview.locator('[data-import-batch-summary]').innerText(), /6 files → 2 documents, 3 coders/);
    await preview.locator('[data-import-batch-apply]').click();
    await app.page.locator('[role="status"]').filter({ hasText: 'Imported 6 files into 2 documents (1 new)' }).waitFor();

    // The open speech: three coders side by side, each done, named.
    const rules = await app.page.locator('[data-agreement-rule]').evaluateAll((els) => els.map((e) => e.dataset.status));
    assert.deepEqual(rules.filter((s) => s === 'done').length, 3);

    // The corpus view.
    await app.page.locator('[data-action="corpus"]').click();
    const corpus = app.page.locator('[data-corpus]');
    await corpus.locator('[data-corpus-alpha]').waitFor();
    const shown = await corpus.locator('[data-corpus-alpha]').innerText();
    assert.match(shown, /^-?\d\.\d{3}$/);
    assert.match(await corpus.locator('[data-corpus-counts]').innerText(), /2 documents, .* 3 coders/);
    for (const theme of ['investment', 'trade', 'environment', 'accountability']) {
      const row = corpus.locator(`[data-corpus-theme="${theme}"]`);
      assert.equal(await row.getAttribute('data-documents'), '2');
      assert.ok(Number(await row.getAttribute('data-units')) > 0);
    }
    assert.equal(await corpus.locator('[data-corpus-doc]').count(), 2);
    assert.equal(await corpus.locator('[data-corpus-matrix] [data-status="done"]').count(), 6);

    // The reliability data reproduces the figure on screen.
    const download = await app.exportVia(corpus.locator('[data-corpus-export]'));
    const csv = { name: download.suggestedFilename(), text: (await readFile(await download.path())).toString('utf8') };
    assert.match(csv.name, /reliability.*\.csv$/);
    const { alpha, rows } = alphaFromCsv(csv.text);
    assert.ok(rows > 0);
    assert.equal(alpha.toFixed(3), shown, `α from the CSV ${alpha} against ${shown} on screen`);

    // One document's disagreements, and a ruling on one of them.
    const speechRow = corpus.locator('[data-corpus-doc]').filter({ hasText: '外经贸' });
    await speechRow.locator('[data-corpus-disagreements]').click();
    await app.page.waitForFunction(() => document.querySelector('[data-filter="disagreements"]')?.getAttribute('aria-pressed') === 'true');
    const disputed = await app.page.$$eval('[data-kind="paragraph"]:not([hidden])', (els) => els.map((e) => Number(e.dataset.block)));
    assert.ok(disputed.length > 0, 'some paragraphs are disputed');
    await app.block(disputed[0]).locator('[data-adjudicate="union"]').click();
    await app.page.waitForFunction((i) => document.querySelector(`[data-block="${i}"] [data-coder="consensus"]`), disputed[0]);
    app.assertNoConsoleErrors();
  } finally {
    await profile.close();
  }
});

test('an unnamed coder\'s first export waits for their name; renaming reaches every stored document', { timeout: 180_000 }, async () => {
  const profile = await openProfile();
  try {
    const app = await AnnotatorPage.open(profile.context, server.url);
    await app.page.locator('[data-coder-prompt-later]').click();
    await app.page.locator('[data-coder-prompt]').waitFor({ state: 'detached' });
    const paras = await app.blockIndexes('paragraph');
    await app.clickTheme(paras[0], 'trade');
    // A second document, tagged, so the user has a stored set elsewhere.
    await app.openLibrary();
    await app.page.locator('[data-paste-text]').fill(SECOND);
    await app.page.locator('[data-paste-open]').click();
    await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('招商引资大会'));
    if (await app.page.locator('aside.library').isVisible()) await app.page.locator('[data-action="library"]').click();
    await app.clickTheme((await app.blockIndexes('paragraph'))[0], 'investment');
    await app.settle();
    // The export is held: the prompt comes back, nothing is downloaded.
    let downloads = 0;
    app.page.on('download', () => { downloads += 1; });
    const menu = app.page.locator('[data-menu="share"]');
    if ((await menu.getAttribute('open')) === null) await menu.locator('summary').click();
    await app.page.locator('[data-export="json"]').click();
    await app.page.locator('[data-coder-prompt]').waitFor();
    assert.ok(await app.page.locator('[data-coder-prompt-export-unnamed]').isVisible());
    await app.page.waitForTimeout(500);
    assert.equal(downloads, 0, 'held until named');
    // Naming sends it, with the name.
    await app.page.locator('[data-coder-prompt-name]').fill('赵磊');
    const [download] = await Promise.all([app.page.waitForEvent('download'), app.page.locator('[data-coder-prompt-save]').click()]);
    const file = JSON.parse(await readFile(await download.path(), 'utf8'));
    assert.deepEqual(file.sets.map((s) => s.name), ['赵磊']);
    // That file is for the second document: opened side by side on the
    // built-in speech it would add a coder without a tag, so it is not offered.
    await app.openLibrary();
    await app.page.locator('[data-doc-id]').filter({ hasText: '外经贸' }).locator('[data-doc-open]').click();
    await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('外经贸'));
    await app.importFile({ name: 'second.json', text: JSON.stringify(file) });
    await app.page.locator('[data-import-preview]').waitFor();
    assert.ok(await app.page.locator('[data-import-mode="side-by-side"]').isDisabled());
    assert.ok(await app.page.locator('[data-import-mode="replace"]').isDisabled());
    await app.page.locator('[data-import-cancel]').click();
    // The other stored document (the built-in speech, open now) calls the
    // user by the new name too.
    const speech = await app.download('json');
    assert.deepEqual(JSON.parse(speech.text).sets.map((s) => s.name), ['赵磊']);
    app.assertNoConsoleErrors();
  } finally {
    await profile.close();
  }
});
