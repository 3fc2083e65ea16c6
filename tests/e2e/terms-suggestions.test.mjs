// Curated key terms and theme suggestions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

let server, profile, app;
before(async () => {
  server = await startServer();
  profile = await openProfile();
  app = await AnnotatorPage.open(profile.context, server.url);
  await app.waitForTerms();
});
after(async () => {
  await profile?.close();
  await server?.close();
});

const ranked = () => app.page.$$eval('[data-term-rank]', (li) => li.map((l) => l.dataset.term));

test('drop and pin a term; the list and the highlights change at once and survive a reload', async () => {
  const before = await ranked();
  const victim = before[1];
  await app.page.locator(`[data-term-rank][data-term="${victim}"] button.term`).click();
  await app.page.locator(`[data-term-drop="${victim}"]`).click();
  await app.page.waitForFunction((v) => !document.querySelector(`[data-term-rank][data-term="${v}"]`), victim);
  assert.equal(await app.page.locator(`mark[data-term="${victim}"]`).count(), 0);
  const pinned = '园区';
  await app.page.locator(`[data-term-rank][data-term="${pinned}"] button.term`).click();
  await app.page.locator(`[data-term-pin="${pinned}"]`).click();
  await app.page.waitForFunction((p) => document.querySelector('[data-term-rank="1"]')?.dataset.term === p, pinned);
  await app.reload();
  await app.waitForTerms();
  assert.equal((await ranked())[0], pinned);
  assert.ok(!(await ranked()).includes(victim));
});

test('add a phrase: it is cut whole, listed and highlighted', async () => {
  await app.page.locator('[data-term-add]').fill('调度会议');
  await app.page.locator('[data-term-add]').press('Enter');
  await app.page.waitForFunction(() => document.querySelector('[data-term-rank][data-term="调度会议"]'));
  assert.ok((await app.page.locator('mark[data-term="调度会议"]').count()) >= 1);
  // it is in the user dictionary, from which it can be taken out again
  await app.page.locator('.term-controls details summary').click();
  const entry = app.page.locator('[data-dictionary-remove="调度会议"]');
  await entry.click();
  await app.page.waitForFunction(() => !document.querySelector('[data-term-rank][data-term="调度会议"]'));
  assert.equal(await app.page.locator('mark[data-term="调度会议"]').count(), 0);
  await app.page.locator('[data-term-add]').fill('调度会议');
  await app.page.locator('[data-term-add]').press('Enter');
  await app.page.waitForFunction(() => document.querySelector('[data-term-rank][data-term="调度会议"]'));
  await app.page.locator('.term-controls details summary').click();
});

test('suggested themes are shown apart from tags; accept and reject', async () => {
  const suggested = app.page.locator('[data-kind="paragraph"][data-suggested~="investment"]');
  assert.ok((await suggested.count()) > 3, 'paragraphs with investment words get suggestions');
  const block = suggested.first();
  const index = Number(await block.getAttribute('data-block'));
  assert.doesNotMatch(await block.getAttribute('data-themes'), /investment/, 'a suggestion is not a tag');
  const words = await block.locator('[data-suggest-match]').allInnerTexts();
  assert.ok(words.length > 0, 'the matching words are underlined');
  await app.showControls(index);
  const listed = await block.locator('[data-theme-toggle="investment"]').getAttribute('title');
  assert.ok(words.some((w) => listed.includes(w)), `underlined ${words} are the words the suggestion names: ${listed}`);
  await block.locator('[data-suggestion-accept="investment"]').click();
  assert.match(await app.block(index).getAttribute('data-themes'), /investment/);
  assert.doesNotMatch(await app.block(index).getAttribute('data-suggested'), /investment/);
  const other = app.page.locator('[data-kind="paragraph"][data-suggested~="trade"]').first();
  const otherIndex = Number(await other.getAttribute('data-block'));
  await app.showControls(otherIndex);
  await other.locator('[data-suggestion-reject="trade"]').click();
  assert.doesNotMatch(await app.block(otherIndex).getAttribute('data-suggested'), /trade/);
  assert.doesNotMatch(await app.block(otherIndex).getAttribute('data-themes'), /trade/);
  assert.match(await app.page.locator('[data-suggestion-tally="investment"]').innerText(), /✓1/);
  assert.match(await app.page.locator('[data-suggestion-tally="trade"]').innerText(), /✗1/);
  // exports keep the difference
  const file = JSON.parse((await app.download('json')).text);
  assert.ok(file.sets[0].tags.some((t) => t.theme === 'investment' && t.how === 'suggestion'));
  // the a key accepts the focused paragraph's suggestions
  const third = app.page.locator('[data-kind="paragraph"][data-suggested~="environment"]').first();
  const thirdIndex = Number(await third.getAttribute('data-block'));
  await app.focusBlock(thirdIndex);
  await app.press('a');
  assert.match(await app.block(thirdIndex).getAttribute('data-themes'), /environment/);
});

test('the curation travels in the annotation file: a colleague who merges it gets the same list, and the notice undoes it', async () => {
  const file = await app.download('json');
  const keyTerms = JSON.parse(file.text).keyTerms;
  assert.deepEqual(keyTerms.pinned, ['园区']);
  assert.equal(keyTerms.dropped.length, 1);
  const victim = keyTerms.dropped[0];
  const fresh = await openProfile();
  try {
    const other = await AnnotatorPage.open(fresh.context, server.url);
    await other.waitForTerms();
    const theirs = () => other.page.$$eval('[data-term-rank]', (li) => li.map((l) => l.dataset.term));
    assert.ok((await theirs()).includes(victim));
    await other.importFile(file);
    await other.page.locator('[data-import-mode="merge"]').click();
    await other.page.waitForFunction((v) => !document.querySelector(`[data-term-rank][data-term="${v}"]`), victim);
    assert.equal((await theirs())[0], '园区', 'the pin came along');
    await other.page.locator('[data-action="notice-undo"]').click();
    await other.page.waitForFunction((v) => document.querySelector(`[data-term-rank][data-term="${v}"]`), victim);
    assert.notEqual((await theirs())[0], '园区');
    other.assertNoConsoleErrors();
  } finally {
    await fresh.close();
  }
});

test('no console errors', () => app.assertNoConsoleErrors());
