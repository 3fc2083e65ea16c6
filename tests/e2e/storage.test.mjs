// Never lose work: two tabs, a full storage, corrupted data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

let server;

before(async () => { server = await startServer(); });
after(async () => { await server?.close(); });

async function annotationsKey(app) {
  const fp = await app.page.locator('[data-fingerprint]').getAttribute('data-fingerprint');
  return `speech-annotator:v1:annotations:${fp}`;
}

test('two tabs: a change in one appears in the other, concurrent edits merge', async () => {
  const profile = await openProfile();
  try {
    const a = await AnnotatorPage.open(profile.context, server.url);
    const b = new AnnotatorPage(await profile.context.newPage());
    await b.goto(server.url);
    const paras = await a.blockIndexes('paragraph');
    await a.clickTheme(paras[0], 'trade');
    await b.page.waitForFunction((i) => document.querySelector(`[data-block="${i}"]`).dataset.themes === 'trade', paras[0]);
    // concurrent: both tabs change before either hears of the other
    await Promise.all([a.clickTheme(paras[1], 'investment'), b.clickTheme(paras[2], 'environment')]);
    await a.writeNote(paras[3], 'note from tab A');
    await b.writeNote(paras[4], 'note from tab B');
    for (const tab of [a, b]) {
      await tab.page.waitForFunction(([p1, p2]) =>
        document.querySelector(`[data-block="${p1}"]`).dataset.themes === 'investment'
        && document.querySelector(`[data-block="${p2}"]`).dataset.themes === 'environment', [paras[1], paras[2]]);
    }
    await a.settle();
    await b.settle();
    const fresh = new AnnotatorPage(await profile.context.newPage());
    await fresh.goto(server.url);
    assert.deepEqual(await fresh.themesOf(paras[0]), ['trade']);
    assert.deepEqual(await fresh.themesOf(paras[1]), ['investment']);
    assert.deepEqual(await fresh.themesOf(paras[2]), ['environment']);
    assert.equal(await fresh.noteOf(paras[3]), 'note from tab A');
    assert.equal(await fresh.noteOf(paras[4]), 'note from tab B');
    a.assertNoConsoleErrors();
    b.assertNoConsoleErrors();
  } finally {
    await profile.close();
  }
});

test('storage full before loading: a standing warning, tagging still works, export offered', async () => {
  const profile = await openProfile();
  try {
    const app = await AnnotatorPage.open(profile.context, server.url);
    const filled = await app.page.evaluate(() => {
      const chunk = 'x'.repeat(256 * 1024);
      let i = 0;
      try { for (;;) localStorage.setItem(`filler-${i++}`, chunk); } catch (e) { /* full */ }
      // top up with smaller pieces so not even a small value fits
      const small = 'y'.repeat(1024);
      try { for (;;) localStorage.setItem(`filler-s-${i++}`, small); } catch (e) { return e.name; }
    });
    assert.equal(filled, 'QuotaExceededError');
    // IndexedDB (texts, annotations) full too: the origin's quota set to
    // nearly nothing through the DevTools protocol.
    const cdp = await profile.context.newCDPSession(app.page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin, quotaSize: 1 });
    await app.reload();
    const paras = await app.blockIndexes('paragraph');
    await app.clickTheme(paras[0], 'accountability');
    assert.deepEqual(await app.themesOf(paras[0]), ['accountability']);
    const warning = app.page.locator('[data-save-failure][role="alert"]');
    await warning.waitFor({ timeout: 5000 });
    assert.match(await warning.innerText(), /storage is full|存储已满/);
    await app.clickTheme(paras[1], 'trade');
    assert.deepEqual(await app.themesOf(paras[1]), ['trade'], 'tagging still works');
    assert.ok(await warning.isVisible(), 'the warning stays');
    const [download] = await Promise.all([
      app.page.waitForEvent('download'),
      warning.locator('[data-action="export-now"]').click(),
    ]);
    const saved = JSON.parse(await readFile(await download.path(), 'utf8'));
    assert.equal(saved.type, 'speech-annotator/annotation-file');
    const tags = saved.sets.flatMap((s) => s.tags).map((t) => t.theme).sort();
    assert.deepEqual(tags, ['accountability', 'trade']);
    // making room lets the next change save, and the warning goes
    await app.page.evaluate(() => { for (const k of Object.keys(localStorage)) if (k.startsWith('filler-')) localStorage.removeItem(k); });
    await app.clickTheme(paras[2], 'trade');
    await warning.waitFor({ state: 'detached', timeout: 5000 });
    await app.reload();
    assert.deepEqual(await app.themesOf(paras[0]), ['accountability']);
    assert.deepEqual(await app.themesOf(paras[2]), ['trade']);
    // IndexedDB has room again: what localStorage kept meanwhile moves there.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin });
    await app.reload();
    await app.page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.includes(':annotations:')), null, { timeout: 5000 });
    assert.deepEqual(await app.themesOf(paras[2]), ['trade']);
    await app.reload();
    assert.deepEqual(await app.themesOf(paras[2]), ['trade']);
  } finally {
    await profile.close();
  }
});

test('garbage under the app keys: the app starts, keeps a backup and offers it', async () => {
  const profile = await openProfile();
  try {
    const app = await AnnotatorPage.open(profile.context, server.url);
    const key = await annotationsKey(app);
    const garbage = '{"type":"speech-annotator/annotations","version":1,"sets":[tru';
    await app.seedStorage(server.url, [
      [key, garbage],
      ['speech-annotator:v1:profile', '\u0000\u0001 not json'],
      ['speech-annotator:v1:settings', '[1,2'],
    ]);
    const alert = app.page.locator('[role="alert"][data-recovery="annotations"]');
    await alert.waitFor();
    await app.page.locator('[role="alert"][data-recovery="settings"]').waitFor();
    assert.match(await alert.innerText(), /backup|备份/);
    const backups = (await app.storedEntries()).filter(([x]) => x.startsWith('speech-annotator:backup:') && x.endsWith(key)).map(([, v]) => v);
    assert.deepEqual(backups, [garbage]);
    const [download] = await Promise.all([
      app.page.waitForEvent('download'),
      alert.locator('[data-action="download-backup"]').click(),
    ]);
    assert.equal(await readFile(await download.path(), 'utf8'), garbage);
    // the app works: tag, reload, still there, and the backup is still kept
    const paras = await app.blockIndexes('paragraph');
    await app.clickTheme(paras[0], 'investment');
    await app.settle();
    await app.reload();
    assert.deepEqual(await app.themesOf(paras[0]), ['investment']);
    const backupCount = async () => (await app.storedEntries()).filter(([x]) => x.startsWith('speech-annotator:backup:')).length;
    assert.equal(await backupCount(), 3, 'backups of the three values kept');
    assert.equal(await app.page.locator('[role="alert"][data-recovery]').count(), 0, 'a reload backs nothing up again');
    await app.reload();
    assert.equal(await backupCount(), 3);
  } finally {
    await profile.close();
  }
});

test('a value from a future version is kept aside, not overwritten', async () => {
  const profile = await openProfile();
  try {
    const app = await AnnotatorPage.open(profile.context, server.url);
    const key = await annotationsKey(app);
    const fp = key.split(':').pop();
    const future = JSON.stringify({ type: 'speech-annotator/annotations', version: 9, fingerprint: fp, whatever: [1, 2] });
    await app.seedStorage(server.url, [[key, future]]);
    const alert = app.page.locator('[role="alert"][data-recovery="annotations"]');
    await alert.waitFor();
    assert.match(await alert.innerText(), /newer version/);
    const kept = (await app.storedEntries()).some(([x, v]) => x.startsWith('speech-annotator:backup:') && v === future);
    assert.ok(kept);
  } finally {
    await profile.close();
  }
});
