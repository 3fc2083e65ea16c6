// Sync server rules: couchdb/design.json's validate_doc_update, checked on a
// CouchDB-compatible server (pouchdb-server) through plain HTTP with cookie
// sessions, as the page talks to it; and the test proxy that puts the page
// and the server on one origin (docs/sync.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'acorn';
import { startCouch, login, DESIGN_PATH } from './support/couch.mjs';
import { serve } from './support/server.mjs';
import { designJson, functionSource } from '../../couchdb/build-design.mjs';

const FP = '3f9a0c1b2d4e5f60';
const FP2 = '0123456789abcdef';
let couch;
const cookies = {};

before(async () => {
  couch = await startCouch();
  for (const user of couch.users) cookies[user.name] = await login(couch.url, user.name, user.password);
});
after(async () => { await couch?.stop(); });

function envelope({ sets = [], themes = [], codebook = [], fingerprint = FP } = {}) {
  return { type: 'speech-annotator/annotations', version: 1, fingerprint, clock: 3, replicas: ['r-1'], themes, codebook, sets };
}
function setDoc(coder, set, { kind = 'coder', fp = FP, ...rest } = {}) {
  return {
    _id: `set:${fp}:${set}`, type: 'set', fingerprint: fp, set, kind, coder,
    annotations: envelope({ fingerprint: fp, sets: [{ id: set, kind, name: `${coder}'s set`, color: '#336699', annotations: [] }] }),
    ...rest,
  };
}
function codebookDoc(fp = FP) {
  return { _id: `codebook:${fp}`, type: 'codebook', fingerprint: fp, annotations: envelope({ fingerprint: fp, themes: [{ id: 'trade', name: '贸易' }], codebook: [{ theme: 'trade', definition: '…' }] }) };
}
function textDoc(fp = FP, text = '各位代表：现在，我代表国务院，向大会报告政府工作。') {
  return { _id: `text:${fp}`, type: 'text', fingerprint: fp, title: '政府工作报告', text };
}

async function request(method, path, { cookie, body, base = couch.url } = {}) {
  const headers = { accept: 'application/json' };
  if (cookie) headers.cookie = cookie;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(new URL(path, base), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}
const put = (who, doc) => request('PUT', `${couch.db}/${encodeURIComponent(doc._id)}`, { cookie: who && cookies[who], body: doc });
const bulk = (who, docs) => request('POST', `${couch.db}/_bulk_docs`, { cookie: cookies[who], body: { docs } });

function refused(res, status, reason) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, status === 401 ? 'unauthorized' : 'forbidden');
  assert.match(res.body.reason, reason);
}

test('couchdb/design.json is what couchdb/build-design.mjs makes of validate_doc_update.js', () => {
  assert.equal(readFileSync(DESIGN_PATH, 'utf8'), designJson(), 'run: node couchdb/build-design.mjs');
  // ES5 only, as CouchDB's JavaScript engines need: a parenthesised anonymous function
  const source = functionSource();
  assert.doesNotThrow(() => parse(`(${source})`, { ecmaVersion: 5 }));
  assert.equal(JSON.parse(readFileSync(DESIGN_PATH, 'utf8'))._id, '_design/annotator');
});

test('sessions: a cookie from _session is that user; a wrong password is 401', async () => {
  const session = await request('GET', '_session', { cookie: cookies.carol });
  assert.deepEqual(session.body.userCtx, { name: 'carol', roles: ['adjudicator'] });
  const wrong = await request('POST', '_session', { body: { name: 'alice', password: 'nope' } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error, 'unauthorized');
  assert.equal(wrong.headers.get('set-cookie'), null);
});

test('anonymous writes are refused with 401', async () => {
  const res = await put(null, setDoc('alice', 'anon'));
  assert.equal(res.status, 401);
  assert.equal(res.body.error, 'unauthorized');
});

test('a coder writes their own set; nobody else may overwrite it or write in their name', async () => {
  const mine = setDoc('alice', 'alice-1');
  const created = await put('alice', mine);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.ok, true);

  // the themes its tags use ride along, stamped 0 (they never win over a codebook edit)
  const themes = [{ id: 'trade', name_zh: '贸易', name_en: 'Trade', color: '#336699', deleted: false, t: 0, by: 0 }];
  const updated = await put('alice', { ...mine, _rev: created.body.rev, annotations: { ...mine.annotations, clock: 4, themes } });
  assert.equal(updated.status, 201, JSON.stringify(updated.body));

  // bob takes over alice's set, even naming himself the coder
  refused(await put('bob', { ...setDoc('bob', 'alice-1'), _rev: updated.body.rev }), 403, /set "alice-1" belongs to alice/);
  // bob writes a new set in alice's name
  refused(await put('bob', setDoc('alice', 'bob-1')), 403, /coder of set "bob-1" must be you \(bob\), not "alice"/);
  // an adjudicator is no exception for coder sets
  refused(await put('carol', { ...setDoc('carol', 'alice-1'), _rev: updated.body.rev }), 403, /belongs to alice/);
});

test('a stale _rev is a 409 conflict', async () => {
  const doc = setDoc('bob', 'bob-stale');
  const first = await put('bob', doc);
  assert.equal(first.status, 201);
  const second = await put('bob', { ...doc, _rev: first.body.rev });
  assert.equal(second.status, 201);
  const stale = await put('bob', { ...doc, _rev: first.body.rev });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.error, 'conflict');
  const missing = await put('bob', doc); // no _rev for an existing document
  assert.equal(missing.status, 409);
});

test('only adjudicators write the consensus set; any adjudicator may', async () => {
  refused(await put('bob', setDoc('bob', 'consensus', { kind: 'consensus' })), 403, /Only an adjudicator may write the consensus set/);
  const ok = await put('carol', setDoc('carol', 'consensus', { kind: 'consensus' }));
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  // a coder cannot turn their set into the consensus set, nor the other way round
  const own = await put('alice', setDoc('alice', 'alice-kind'));
  assert.equal(own.status, 201);
  refused(await put('carol', { ...setDoc('carol', 'alice-kind', { kind: 'consensus' }), _rev: own.body.rev }), 403, /is a coder set and cannot become a consensus set/);
});

test('only adjudicators write the codebook', async () => {
  refused(await put('alice', codebookDoc()), 403, /Only an adjudicator may change the themes and codebook/);
  const ok = await put('carol', codebookDoc());
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  refused(await put('carol', { ...codebookDoc(FP2), annotations: { ...codebookDoc(FP2).annotations, sets: [{ id: 'x', kind: 'coder' }] } }), 403, /"annotations.sets" must be empty/);
});

test('malformed documents are refused with a message that says what is wrong', async () => {
  const good = setDoc('alice', 'm');
  const cases = [
    [{ ...good, _id: `set:${FP}:other` }, /does not match its set: expected "set:3f9a0c1b2d4e5f60:m"/],
    [{ ...good, _id: 'set:3F9A0C1B2D4E5F60:m', fingerprint: '3F9A0C1B2D4E5F60' }, /Bad fingerprint "3F9A0C1B2D4E5F60".*16 lowercase hex digits/],
    [{ ...good, _id: 'set:3f9a:m', fingerprint: '3f9a' }, /Bad fingerprint/],
    [{ ...good, annotations: { ...good.annotations, sets: [...good.annotations.sets, { id: 'm2', kind: 'coder' }] } }, /must hold exactly this one set, not 2/],
    [{ ...good, annotations: { ...good.annotations, sets: [] } }, /must hold exactly this one set, not 0/],
    [{ ...good, annotations: { ...good.annotations, sets: [{ id: 'other', kind: 'coder' }] } }, /"annotations.sets\[0\]" must have id "m"/],
    [{ ...good, annotations: { ...good.annotations, themes: [{ id: 'trade', t: 4 }] } }, /themes and codebook are not written through a set/],
    [{ ...good, annotations: { ...good.annotations, themes: [{ id: 'trade' }] } }, /themes and codebook are not written through a set/],
    [{ ...good, annotations: { ...good.annotations, codebook: [{ theme: 'trade' }] } }, /themes and codebook are not written through a set/],
    [{ ...good, annotations: { ...good.annotations, fingerprint: FP2 } }, /"annotations.fingerprint" must be the document's fingerprint/],
    [{ ...good, annotations: { ...good.annotations, version: 2 } }, /"annotations.version" must be 1/],
    [{ ...good, annotations: { ...good.annotations, type: 'other' } }, /"annotations.type" must be "speech-annotator\/annotations"/],
    [{ ...good, annotations: { ...good.annotations, clock: 'x' } }, /"annotations.clock" must be a number/],
    [{ ...good, annotations: undefined }, /has no "annotations" object/],
    [{ ...good, kind: 'private' }, /Bad kind "private"/],
    [{ ...good, set: '', _id: `set:${FP}:` }, /Bad set id ""/],
    [{ _id: 'note:1', type: 'note' }, /Unknown document type "note"/],
    [{ _id: 'plain', hello: 'world' }, /has no "type"/],
    [{ ...textDoc(), _id: `text:${FP2}` }, /does not match its fingerprint: expected "text:3f9a0c1b2d4e5f60"/],
    [textDoc(FP, ''), /must be non-empty text/],
    [{ ...textDoc(), title: 'x'.repeat(501) }, /title .* at most 500 characters/],
  ];
  for (const [doc, reason] of cases) {
    const res = await put('alice', { ...doc, _id: doc._id });
    refused(res, 403, reason);
  }
});

test('speech texts: any member adds one; its text never changes, its title may', async () => {
  const created = await put('bob', textDoc());
  assert.equal(created.status, 201, JSON.stringify(created.body));
  refused(await put('alice', { ...textDoc(FP, '别的文字'), _rev: created.body.rev }), 403, /text of text:3f9a0c1b2d4e5f60 cannot change/);
  const retitled = await put('alice', { ...textDoc(), title: '2024年政府工作报告', _rev: created.body.rev });
  assert.equal(retitled.status, 201, JSON.stringify(retitled.body));
});

test('deletions: owners delete their sets, adjudicators consensus, codebook and texts', async () => {
  const del = (who, id, rev) => request('DELETE', `${couch.db}/${encodeURIComponent(id)}?rev=${rev}`, { cookie: cookies[who] });
  const set = await put('alice', setDoc('alice', 'to-delete'));
  refused(await del('bob', `set:${FP}:to-delete`, set.body.rev), 403, /set "to-delete" belongs to alice/);
  assert.equal((await del('alice', `set:${FP}:to-delete`, set.body.rev)).status, 200);

  const text = await put('alice', textDoc(FP2, '第二篇'));
  refused(await del('alice', `text:${FP2}`, text.body.rev), 403, /only an adjudicator may delete a speech text/);
  assert.equal((await del('carol', `text:${FP2}`, text.body.rev)).status, 200);

  const book = await put('carol', codebookDoc(FP2));
  refused(await del('bob', `codebook:${FP2}`, book.body.rev), 403, /only an adjudicator may delete a codebook/);
  assert.equal((await del('carol', `codebook:${FP2}`, book.body.rev)).status, 200);

  const consensus = await put('carol', setDoc('carol', 'c-del', { kind: 'consensus', fp: FP2 }));
  refused(await del('alice', `set:${FP2}:c-del`, consensus.body.rev), 403, /belongs to carol/);
  assert.equal((await del('carol', `set:${FP2}:c-del`, consensus.body.rev)).status, 200);

  // deleting through _bulk_docs, as sync does
  const gone = await put('bob', setDoc('bob', 'bulk-del'));
  const [result] = (await bulk('bob', [{ _id: `set:${FP}:bulk-del`, _rev: gone.body.rev, _deleted: true }])).body;
  assert.equal(result.ok, true, JSON.stringify(result));
});

test('_bulk_docs: a refused document gets its own error, the others are written', async () => {
  const res = await bulk('bob', [
    setDoc('bob', 'bulk-1'),
    setDoc('alice', 'bulk-2'),
    setDoc('bob', 'bulk-3', { fp: FP2 }),
    { _id: 'x', type: 'x' },
  ]);
  assert.equal(res.status, 201);
  // pouchdb-server lists the refused ones first: match results by id, not position
  const byId = Object.fromEntries(res.body.map((r) => [r.id, r]));
  assert.equal(res.body.length, 4);
  assert.equal(byId[`set:${FP}:bulk-1`].ok, true);
  assert.equal(byId[`set:${FP2}:bulk-3`].ok, true);
  assert.equal(byId[`set:${FP}:bulk-2`].error, 'forbidden');
  assert.match(byId[`set:${FP}:bulk-2`].reason, /must be you \(bob\)/);
  assert.equal(byId.x.error, 'forbidden');
  // a stale revision in a batch is a per-document conflict
  const again = await bulk('bob', [setDoc('bob', 'bulk-1')]);
  assert.equal(again.body[0].error, 'conflict');
});

test('the proxy forwards a _session login, the cookie and writes, and answers 502 when the server is gone', async () => {
  const page = await serve(fileURLToPath(new URL('./fixtures/', import.meta.url)), { proxy: { '/couchdb/': couch.url } });
  try {
    const base = `${page.url}couchdb/`;
    const cookie = await login(base, 'alice', 'alice-pw');
    const session = await request('GET', '_session', { base, cookie });
    assert.deepEqual(session.body.userCtx, { name: 'alice', roles: [] });
    const written = await request('PUT', `study/${encodeURIComponent(`set:${FP}:proxied`)}`, { base, cookie, body: setDoc('alice', 'proxied') });
    assert.equal(written.status, 201, JSON.stringify(written.body));
    refused(await request('PUT', `study/${encodeURIComponent(`set:${FP}:proxied`)}`, { base, cookie: cookies.bob, body: { ...setDoc('bob', 'proxied'), _rev: written.body.rev } }), 403, /belongs to alice/);

    // a long poll waits through the proxy until a change arrives
    const since = (await request('GET', 'study/_changes?limit=0&descending=true', { base, cookie })).body.last_seq;
    const poll = request('GET', `study/_changes?feed=longpoll&since=${since}`, { base, cookie });
    await new Promise((ok) => setTimeout(ok, 300));
    await request('PUT', `study/${encodeURIComponent(`set:${FP}:polled`)}`, { base, cookie, body: setDoc('alice', 'polled') });
    const polled = await poll;
    assert.equal(polled.status, 200);
    assert.deepEqual(polled.body.results.map((r) => r.id), [`set:${FP}:polled`]);

    // the page's own files are still served
    assert.equal((await fetch(page.url + 'nothing-here')).status, 404);

    page.setProxy('/couchdb/', null);
    const off = await fetch(`${base}_session`);
    assert.equal(off.status, 502);
    page.setProxy('/couchdb/', 'http://127.0.0.1:9/'); // nothing listens there
    assert.equal((await fetch(`${base}_session`)).status, 502);
    page.setProxy('/couchdb/', couch.url);
    assert.equal((await request('GET', '_session', { base, cookie })).body.userCtx.name, 'alice');
  } finally {
    await page.close();
  }
});
