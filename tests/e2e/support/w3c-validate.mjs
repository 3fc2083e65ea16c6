// Checks a W3C Web Annotation export the way the W3C implementation report
// did: the web-platform-tests `annotation-model/` MUST lists, run with the
// engine the WPT pages ran (Ajv 4.0.4, default "fast" formats, allErrors,
// no meta-schema check). The suite and how to run it are described in
// tests/conformance/w3c-annotation-model/README.md.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

// Ajv 4 is CommonJS only.
const Ajv = createRequire(import.meta.url)('ajv');

export const SUITE = fileURLToPath(new URL('../../conformance/w3c-annotation-model/', import.meta.url));

const CONTEXT = 'http://www.w3.org/ns/anno.jsonld';
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

// As JSONtest.js builds it; `format` is left at Ajv 4's default, 'fast',
// whose "uri" and "date-time" regexes decide many results.
const ajv = new Ajv({ allErrors: true, validateSchema: false });
const DEFINITIONS = readdirSync(join(SUITE, 'definitions')).filter((f) => f.endsWith('.json')).sort();
if (DEFINITIONS.length !== 7) throw new Error(`expected 7 definition files in ${SUITE}definitions, found ${DEFINITIONS.length}`);
for (const f of DEFINITIONS) {
  const schema = readJson(join(SUITE, 'definitions', f));
  // The assertions refer to the definitions by their `id` (`annotations.json#/…`).
  ajv.addSchema(schema, schema.id);
}

/**
 * The assertions of a `.test` list, loaded and compiled once. A reference
 * with no slash is relative to the list's folder, one with a slash to the
 * suite root (as JSONtest.js resolves them); inline and nested entries are
 * handled although the current lists have none.
 */
function loadList(testPath) {
  const test = readJson(join(SUITE, testPath));
  const skipFailures = test.skipFailures ?? [];
  const load = (entries) => entries.map((entry) => {
    if (Array.isArray(entry)) return load(entry);
    let schema;
    let file;
    if (typeof entry === 'string') {
      file = entry.includes('/') ? entry : join(dirname(testPath), entry);
      schema = readJson(join(SUITE, file));
    } else if (entry.assertionFile) {
      file = entry.assertionFile.includes('/') ? entry.assertionFile : join(dirname(testPath), entry.assertionFile);
      schema = { ...readJson(join(SUITE, file)), ...entry };
      delete schema.assertionFile;
    } else {
      schema = entry;
      file = entry.title ?? 'inline assertion';
    }
    return { file, schema, validate: ajv.compile(schema) };
  });
  return { name: testPath, skipFailures, assertions: load(test.assertions) };
}

const LISTS = {
  annotation: loadList('annotations/annotationMusts.test'),
  collection: loadList('collections/collectionMusts.test'),
  page: loadList('collections/pages/pageMusts.test'),
};

/** Runs one list on one value; returns the failures (`file: errorMessage`). */
function run(list, value, where) {
  const failures = [];
  const walk = (assertions) => {
    for (const a of assertions) {
      if (Array.isArray(a)) {
        if (walk(a) === 'abort') return 'abort';
        continue;
      }
      const valid = a.validate(value);
      const expected = a.schema.expectedResult ?? 'valid';
      if ((expected === 'valid') === Boolean(valid)) continue;
      const kind = a.schema.assertionType ?? 'must';
      if (list.skipFailures.includes(kind)) continue;
      const detail = a.validate.errors ? ` (${ajv.errorsText(a.validate.errors)})` : '';
      failures.push(`${where}: ${a.file}: ${a.schema.errorMessage ?? a.schema.title}${detail}`);
      const action = a.schema.onUnexpectedResult ?? 'failAndContinue';
      if (action.endsWith('Abort')) return 'abort';
      if (action.endsWith('Skip')) return 'skip';
    }
    return 'continue';
  };
  walk(list.assertions);
  return failures;
}

/**
 * Validates an AnnotationCollection (parsed JSON) against the WPT MUST lists:
 * the collection and page lists on the collection (the page assertions look
 * inside an embedded `first`), and the annotation list on each embedded
 * annotation, with the collection's `@context` supplied to one that has
 * none (model §5: embedded annotations inherit it). Returns the failed
 * assertions, each with its errorMessage; `[]` means conformant.
 */
export function validateCollection(json) {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return ['collection: not a JSON object'];
  const failures = [...run(LISTS.collection, json, 'collection'), ...run(LISTS.page, json, 'page')];
  const items = json.first?.items;
  if (!Array.isArray(items)) return failures;
  const context = json['@context'] ?? json.first['@context'] ?? CONTEXT;
  items.forEach((item, i) => {
    // Items that are uris (not embedded) are checked by the page list only.
    if (item === null || typeof item !== 'object') return;
    const annotation = '@context' in item ? item : { '@context': context, ...item };
    failures.push(...run(LISTS.annotation, annotation, `first.items[${i}]${item.id ? ` ${item.id}` : ''}`));
  });
  return failures;
}
