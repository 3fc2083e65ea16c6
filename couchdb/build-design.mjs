// Builds couchdb/design.json from couchdb/validate_doc_update.js.
//   node couchdb/build-design.mjs           writes design.json
//   node couchdb/build-design.mjs --check   exits 1 if design.json is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const HERE = new URL('./', import.meta.url);
export const SOURCE = fileURLToPath(new URL('validate_doc_update.js', HERE));
export const DESIGN = fileURLToPath(new URL('design.json', HERE));

/** The function's source: the file without its header comment. */
export function functionSource(text = readFileSync(SOURCE, 'utf8')) {
  const start = text.search(/^function \(newDoc, oldDoc, userCtx, secObj\) \{$/m);
  if (start < 0) throw new Error('validate_doc_update.js must hold "function (newDoc, oldDoc, userCtx, secObj) {" on a line of its own');
  const body = text.slice(start).trimEnd();
  if (!body.endsWith('}')) throw new Error('validate_doc_update.js must end with the function\'s closing brace');
  return body;
}

/** The design document's JSON text, as installed with PUT /<db>/_design/annotator. */
export function designJson(text) {
  const doc = { _id: '_design/annotator', validate_doc_update: functionSource(text) };
  return JSON.stringify(doc, null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const want = designJson();
  if (process.argv.includes('--check')) {
    let have = '';
    try { have = readFileSync(DESIGN, 'utf8'); } catch { /* missing counts as stale */ }
    if (have !== want) {
      console.error('couchdb/design.json is out of date: run node couchdb/build-design.mjs');
      process.exit(1);
    }
  } else {
    writeFileSync(DESIGN, want);
    console.log('wrote couchdb/design.json');
  }
}
