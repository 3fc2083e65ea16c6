// Validates an exported annotation file against the JSON Schema documented
// in docs/annotation-file.schema.json, so the documentation and the writer
// cannot drift apart. Ajv 4 (the engine the W3C suite uses) predates
// `const`, so each `const` is read as a one-value `enum`; the draft 2020-12
// meta-schema line is left out because Ajv 4 does not ship it. For the test, every object the schema describes is
// closed (`additionalProperties: false` where the schema says nothing), so a
// field the writer adds without documenting it fails too.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const Ajv = createRequire(import.meta.url)('ajv');
const schema = JSON.parse(readFileSync(new URL('../../../docs/annotation-file.schema.json', import.meta.url), 'utf8'));
delete schema.$schema;
delete schema.$id;

function close(node) {
  if (Array.isArray(node)) return node.forEach(close);
  if (!node || typeof node !== 'object') return;
  if (node.properties && !('additionalProperties' in node)) node.additionalProperties = false;
  if ('const' in node) {
    node.enum = [node.const];
    delete node.const;
  }
  for (const v of Object.values(node)) close(v);
}
close(schema);
const validate = new Ajv({ allErrors: true, validateSchema: false }).compile(schema);

/** The schema's complaints about `file` (empty when it conforms). */
export function annotationFileErrors(file) {
  return validate(file) ? [] : validate.errors.map((e) => `${e.dataPath} ${e.message}`);
}
