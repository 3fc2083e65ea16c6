// W3C Web Annotation export: the downloaded collection passes the MUST
// assertions of the W3C conformance suite (web-platform-tests
// annotation-model, run as its harness runs them: see support/w3c-validate.mjs).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';
import { SUITE, validateCollection } from './support/w3c-validate.mjs';

const CONTEXT = 'http://www.w3.org/ns/anno.jsonld';

/** A small collection that is right in every way the MUST lists check. */
function knownGood() {
  return {
    '@context': CONTEXT,
    id: 'urn:example:collection:1',
    type: 'AnnotationCollection',
    label: '讲话',
    total: 1,
    first: {
      id: 'urn:example:page:1',
      type: 'AnnotationPage',
      startIndex: 0,
      items: [{
        '@context': CONTEXT,
        id: 'urn:example:anno:1',
        type: 'Annotation',
        motivation: 'tagging',
        created: '2026-11-25T04:59:40Z',
        body: { type: 'TextualBody', purpose: 'tagging', value: '投资 investment', format: 'text/plain' },
        target: {
          source: 'urn:example:doc:1',
          selector: [
            { type: 'TextQuoteSelector', exact: '正文。', prefix: '标题\n' },
            { type: 'TextPositionSelector', start: 3, end: 6 },
          ],
        },
      }],
    },
  };
}

describe('the conformance validator', () => {
  test('passes a correct collection and reports each MUST a bad one breaks', () => {
    assert.deepEqual(validateCollection(knownGood()), []);

    const bad = knownGood();
    bad['@context'] = 'https://www.w3.org/ns/anno.jsonld'; // only the http: form is allowed
    const anno = bad.first.items[0];
    delete anno['@context']; // inherits the collection's, which is wrong
    anno.id = 'anno 1'; // not a uri
    anno.created = '2026-11-25T04:59:40'; // no time zone
    anno.body.id = 'urn:example:body:1'; // a body with an id is an External Web Resource: no purpose allowed
    anno.target.selector[1].start = -1;
    delete bad.first.id;
    const failures = validateCollection(bad);
    for (const file of [
      'collections/5.1-collectionContextValidated.json',
      'collections/pages/5.2-pageContextValidated.json',
      'collections/pages/5.2-pageIdValidated.json',
      'annotations/3.1-annotationContextValidated.json',
      'annotations/3.1-annotationIdValidated.json',
      'annotations/3.3.1-annotationCreatedValidated.json',
      'annotations/bodiesTargets/3.3.5-bodyEWRNoPurpose.json',
      'annotations/specificResource/4.2-TextDataPositionSelectorValid.json',
    ]) {
      const { errorMessage } = JSON.parse(readFileSync(`${SUITE}${file}`, 'utf8'));
      assert.ok(
        failures.some((f) => f.includes(file) && f.includes(errorMessage)),
        `${file} not reported with its message; got:\n${failures.join('\n')}`,
      );
    }

    // a collection that declares a total but carries items directly, with no `first`
    const flat = knownGood();
    flat.items = flat.first.items;
    delete flat.first;
    assert.ok(validateCollection(flat).some((f) => f.includes('5.1-collectionFirstValidated')));
    assert.deepEqual(validateCollection('not an object'), ['collection: not a JSON object']);
  });
});

describe('the page', () => {
  let server, profile, app;

  before(async () => {
    server = await startServer();
    profile = await openProfile();
    app = await AnnotatorPage.open(profile.context, server.url);
  });

  after(async () => {
    await profile?.close();
    await server?.close();
  });

  test('the W3C export of two tags and a note is a conformant AnnotationCollection', async () => {
    const paras = await app.blockIndexes('paragraph');
    await app.clickTheme(paras[0], 'investment');
    await app.clickTheme(paras[3], 'trade');
    await app.writeNote(paras[3], '营商环境 "quoted" <b>');
    await app.settle();

    // The button may sit in a menu (the Share menu) or directly in the header.
    const button = app.page.locator('[data-export="w3c"]');
    if (!(await button.isVisible())) {
      const menu = app.page.locator('details:has([data-export="w3c"])');
      if (await menu.count()) await menu.locator('summary').first().click();
    }
    const download = await app.exportVia(button);
    const json = JSON.parse(await readFile(await download.path(), 'utf8'));

    assert.equal(json.type, 'AnnotationCollection');
    const items = json.first?.items;
    assert.ok(Array.isArray(items), 'annotations embedded in first.items');
    assert.equal(items.length, 3);
    assert.equal(json.total, 3);
    const by = (m) => items.filter((a) => a.motivation === m);
    assert.equal(by('tagging').length, 2);
    assert.equal(by('commenting').length, 1);
    assert.deepEqual(by('tagging').map((a) => a.body.value).sort(), ['投资 investment', '贸易 trade'].sort());
    assert.equal(by('commenting')[0].body.value, '营商环境 "quoted" <b>');
    // the quote is the paragraph's text as the page shows it
    const quote = by('commenting')[0].target.selector.find((s) => s.type === 'TextQuoteSelector');
    assert.ok((await app.block(paras[3]).innerText()).includes(quote.exact));

    assert.deepEqual(validateCollection(json), []);
  });

  test('no console errors', () => {
    app.assertNoConsoleErrors();
  });
});
