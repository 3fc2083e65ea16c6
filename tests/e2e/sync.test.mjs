// Live sync through CouchDB (pouchdb-server in memory on 127.0.0.1, reached
// through the page's own origin at /couchdb/, as docs/sync.md deploys it):
// two coders in two browser profiles see each other's tags, notes and
// status; one goes offline, edits, and comes back; a write to another's set
// is refused and said; a wrong password and a server that is down each get
// a clear message while local work goes on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIST } from './support/env.mjs';
import { serve } from './support/server.mjs';
import { startCouch } from './support/couch.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

let couch;
let server;
before(async () => {
  couch = await startCouch();
  server = await serve(DIST, { proxy: { '/couchdb/': couch.url } });
});
after(async () => {
  await server?.close();
  await couch?.stop();
});

const PASSWORDS = { alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw' };

/** Opens Settings → Sync and signs in; `wait` is the status to wait for. */
async function signIn(app, user, { password = PASSWORDS[user], wait = 'up-to-date', db = 'study' } = {}) {
  const panel = app.page.locator('[data-sync-panel]');
  if (!(await panel.evaluate((d) => d.open))) await panel.locator('summary').click();
  await app.page.fill('[data-sync-url]', '/couchdb/');
  await app.page.fill('[data-sync-db]', db);
  await app.page.fill('[data-sync-user]', user);
  await app.page.fill('[data-sync-password]', password);
  await app.page.click('[data-sync-start]');
  if (wait) await waitStatus(app, wait);
}

async function waitStatus(app, status, timeout = 15_000) {
  await app.page.waitForSelector(`[data-sync-status="${status}"]`, { timeout }).catch(async (e) => {
    throw new Error(`${e.message}\nsync: ${await syncLine(app)}`);
  });
}

/** Where sync stands, for a failure read from a log. */
function syncLine(app) {
  return app.page.evaluate(() => [
    document.querySelector('[data-sync-status]')?.dataset.syncStatus,
    document.querySelector('[data-sync-line]')?.textContent,
    document.querySelector('[data-sync-message]')?.textContent,
  ].join(' | '));
}

async function message(app) {
  return app.page.locator('[data-sync-message]').innerText();
}

/** Waits until the server holds a set of `user` with a tag of `theme`. */
async function waitServerSet(user, theme, timeout = 10_000) {
  const until = Date.now() + timeout;
  for (;;) {
    const all = await (await couch.adminFetch(`${couch.db}/_all_docs?include_docs=true`)).json();
    const found = all.rows.some((r) => r.doc?.type === 'set' && r.doc.coder === user
      && JSON.stringify(r.doc.annotations.sets[0].tags ?? {}).includes(`"${theme}"`));
    if (found) return;
    if (Date.now() > until) throw new Error(`no set of ${user} with ${theme} on the server`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

/** The themes other coders gave block `index`, as this page shows them, one entry per coder. */
async function othersThemes(app, index) {
  return app.block(index).locator('.others[data-coder]').evaluateAll((rows) => rows.map((r) => r.dataset.coderThemes));
}

async function waitOthers(app, index, themes, timeout = 10_000) {
  await app.page.waitForFunction(([i, want]) => {
    // earlier tests' coders (other browsers of the same users) are rows too
    const rows = [...document.querySelectorAll(`[data-block="${i}"] .others[data-coder]`)];
    return rows.some((row) => row.dataset.coderThemes === want);
  }, [index, themes], { timeout }).catch(async (e) => {
    throw new Error(`${e.message}\nsync: ${await syncLine(app)}`);
  });
}

test('two coders: tags, notes and status of each reach the other within seconds', async () => {
  const pa = await openProfile();
  const pb = await openProfile();
  try {
    const a = await AnnotatorPage.open(pa.context, server.url);
    const b = await AnnotatorPage.open(pb.context, server.url);
    await signIn(a, 'alice');
    await signIn(b, 'bob');
    const paras = await a.blockIndexes('paragraph');
    await a.clickTheme(paras[0], 'trade');
    await a.writeNote(paras[1], '第二段要再看 · check again');
    await b.clickTheme(paras[2], 'investment');
    const t0 = Date.now();
    await waitOthers(b, paras[0], 'trade');
    await waitOthers(a, paras[2], 'investment');
    const seconds = (Date.now() - t0) / 1000;
    console.log(`sync: tags arrived in ${seconds.toFixed(2)} s`);
    assert.ok(seconds < 10, `arrived in ${seconds} s`);
    await b.page.waitForFunction((i) => [...document.querySelectorAll(`[data-block="${i}"] [data-coder-note]`)].some((n) => n.textContent.includes('第二段要再看')), paras[1], { timeout: 10_000 });
    // the other coder's set is read-only here: its row has no toggles
    assert.equal(await b.block(paras[0]).locator('.others [data-consensus-toggle]').count(), 0);
    // status: alice marks the document done; bob's corpus view says so
    await a.page.click('[data-mark-done]');
    await waitStatus(a, 'syncing', 5_000).catch(() => {});
    await waitStatus(a, 'up-to-date');
    await b.page.waitForTimeout(1500);
    await b.page.click('[data-action="corpus"]');
    await b.page.waitForFunction(() => [...document.querySelectorAll('[data-corpus-cell][data-status="done"]')].length >= 1, null, { timeout: 10_000 });
    await b.page.click('[data-corpus-close]');
    // both keep their own work after a reload, and sync resumes on its own
    await b.reload();
    await waitStatus(b, 'up-to-date');
    assert.deepEqual(await b.themesOf(paras[2]), ['investment']);
    assert.ok((await othersThemes(b, paras[0])).includes('trade'));
    // the password is not kept anywhere in the browser's storage
    const stored = await b.page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
    assert.ok(!stored.includes(PASSWORDS.bob), 'no password in localStorage');
    a.assertNoConsoleErrors();
    b.assertNoConsoleErrors();
  } finally {
    await pa.close();
    await pb.close();
  }
});

test('offline: edits made offline sync when the network returns, nothing lost on either side', async () => {
  const pa = await openProfile();
  const pb = await openProfile();
  try {
    const a = await AnnotatorPage.open(pa.context, server.url);
    const b = await AnnotatorPage.open(pb.context, server.url);
    await signIn(a, 'alice');
    await signIn(b, 'bob');
    const paras = await a.blockIndexes('paragraph');
    await pb.context.setOffline(true);
    await b.clickTheme(paras[5], 'environment');
    await b.writeNote(paras[6], 'offline note');
    await waitStatus(b, 'offline');
    assert.match(await message(b), /offline|离线/i);
    await a.clickTheme(paras[7], 'accountability');
    await waitStatus(a, 'up-to-date');
    await pb.context.setOffline(false);
    await waitOthers(a, paras[5], 'environment', 15_000);
    await waitOthers(b, paras[7], 'accountability', 15_000);
    await waitStatus(b, 'up-to-date');
    assert.deepEqual(await b.themesOf(paras[5]), ['environment']);
    assert.equal(await b.noteOf(paras[6]), 'offline note');
    await a.page.waitForFunction((i) => [...document.querySelectorAll(`[data-block="${i}"] [data-coder-note]`)].some((n) => n.textContent.includes('offline note')), paras[6], { timeout: 10_000 });
    // the page opened while the server is away: it works, waits, and syncs when the server is back
    server.setProxy('/couchdb/', null);
    await b.reload();
    await waitStatus(b, 'offline');
    await b.clickTheme(paras[11], 'trade');
    server.setProxy('/couchdb/', couch.url);
    await waitOthers(a, paras[11], 'trade', 20_000);
    await waitStatus(b, 'up-to-date');
  } finally {
    await pa.close();
    await pb.close();
  }
});

test("writing another coder's set is refused by the server and said; local work goes on", async () => {
  const p = await openProfile();
  try {
    const app = await AnnotatorPage.open(p.context, server.url);
    await signIn(app, 'carol');
    const paras = await app.blockIndexes('paragraph');
    await app.clickTheme(paras[3], 'trade');
    await waitServerSet('carol', 'trade');
    // the same browser signed in as someone else: its own set is carol's on the server
    await app.page.click('[data-sync-stop]');
    await waitStatus(app, 'off');
    await signIn(app, 'bob', { wait: null });
    await app.clickTheme(paras[4], 'trade');
    await waitStatus(app, 'error');
    const text = await message(app);
    assert.match(text, /refused|拒绝/);
    assert.match(text, /carol/);
    // tagging still works and is kept
    await app.clickTheme(paras[8], 'investment');
    await app.settle();
    await app.reload();
    assert.deepEqual(await app.themesOf(paras[8]), ['investment']);
  } finally {
    await p.close();
  }
});

test('a wrong password and a server that is down each get a clear message; local work goes on', async () => {
  const p = await openProfile();
  try {
    const app = await AnnotatorPage.open(p.context, server.url);
    await signIn(app, 'alice', { password: 'not-the-password', wait: 'error' });
    assert.match(await message(app), /Wrong user name or password/);
    const paras = await app.blockIndexes('paragraph');
    await app.clickTheme(paras[9], 'trade');
    assert.deepEqual(await app.themesOf(paras[9]), ['trade']);
    // signed in, then the server goes away
    await signIn(app, 'alice');
    server.setProxy('/couchdb/', null);
    await app.clickTheme(paras[10], 'environment');
    await waitStatus(app, 'offline');
    assert.match(await message(app), /Cannot reach the sync server/);
    assert.deepEqual(await app.themesOf(paras[10]), ['environment']);
    // it comes back: the change made meanwhile is written
    server.setProxy('/couchdb/', couch.url);
    await waitStatus(app, 'up-to-date', 20_000);
    // a URL the page may not connect to is refused before any request
    await app.page.click('[data-sync-stop]');
    await app.page.fill('[data-sync-url]', 'https://couch.example.org/');
    await app.page.fill('[data-sync-password]', 'x');
    await app.page.click('[data-sync-start]');
    await waitStatus(app, 'error');
    assert.match(await message(app), /may connect only to/);
  } finally {
    await p.close();
  }
});

test('a server restored empty: the coder signs in again and everything local is written to it', async () => {
  const p = await openProfile();
  try {
    const app = await AnnotatorPage.open(p.context, server.url);
    await signIn(app, 'alice');
    const paras = await app.blockIndexes('paragraph');
    await app.clickTheme(paras[12], 'investment');
    await waitStatus(app, 'up-to-date');
    await couch.restart();
    // the old session is gone with the old server: said, and work goes on (counted as pending)
    await app.clickTheme(paras[13], 'trade');
    // (while the server comes back its database may briefly be missing: that is said first)
    await app.page.waitForFunction(() => /sign in again/.test(document.querySelector('[data-sync-message]')?.textContent ?? ''), null, { timeout: 30_000 });
    await waitStatus(app, 'error');
    await app.page.waitForFunction(() => /pending [1-9]/.test(document.querySelector('[data-sync-line]').textContent));
    await signIn(app, 'alice');
    const fp = await app.page.locator('[data-fingerprint]').getAttribute('data-fingerprint');
    const all = await (await couch.adminFetch(`${couch.db}/_all_docs?include_docs=true`)).json();
    const sets = all.rows.filter((r) => r.id.startsWith(`set:${fp}:`) && r.doc.coder === 'alice');
    assert.ok(sets.length >= 1, `alice's sets on the restored server: ${all.rows.map((r) => r.id).join(', ')}`);
    const tagged = sets.some((r) => JSON.stringify(r.doc.annotations.sets[0].tags).includes('"trade"')
      && JSON.stringify(r.doc.annotations.sets[0].tags).includes('"investment"'));
    assert.ok(tagged, 'both tags, the one made before and the one made after the server went, are on it');
  } finally {
    await p.close();
  }
});
