// Sync under load, on loopback: 10 simulated coders × 50 documents through
// pouchdb-server, each coder running the core's real sync engine
// (core/examples/sync_load.rs: `_session`, `_bulk_docs`, `_changes`, 409s
// fetched, merged and written again). Bounded in count (10 × 50, three
// rounds of edits) and in time (the example gives up after 120 s). Every
// coder must end holding every other coder's final tags on every document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startCouch } from './support/couch.mjs';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CODERS = 10;
const DOCUMENTS = 50;

let couch;
before(async () => {
  const users = Array.from({ length: CODERS }, (_, i) => ({ name: `coder-${i + 1}`, password: `coder-${i + 1}-pw`, roles: [] }));
  couch = await startCouch({ users });
});
after(async () => { await couch?.stop(); });

test(`${CODERS} coders × ${DOCUMENTS} documents converge: every change arrives everywhere`, { timeout: 600_000 }, async () => {
  const { stdout } = await run('cargo', [
    'run', '--quiet', '--release', '-p', 'annotator-core', '--example', 'sync_load', '--',
    couch.url.replace(/\/$/, ''), couch.db, String(CODERS), String(DOCUMENTS),
  ], { cwd: ROOT, maxBuffer: 1 << 20, timeout: 540_000 }).catch((e) => {
    throw new Error(`sync_load failed: ${e.stdout}\n${e.stderr}`);
  });
  const report = JSON.parse(stdout.trim().split('\n').pop());
  console.log(`sync load: ${JSON.stringify(report)}`);
  assert.equal(report.converged, true);
  assert.equal(report.coders, CODERS);
  assert.equal(report.documents, DOCUMENTS);
  // every coder's set on every document, plus the texts (and the design document)
  assert.ok(report.server_documents >= CODERS * DOCUMENTS + DOCUMENTS, `server holds ${report.server_documents}`);
  assert.ok(report.edits > 0);
});
