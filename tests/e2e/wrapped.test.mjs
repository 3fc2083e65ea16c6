// A speech copied from a PDF, its lines hard-wrapped: opened, its lines are
// joined into the paragraphs the author wrote, the notice says so, and the
// user can open it again with its line breaks (case wrapped/hard-wrapped.txt:
// right is the built-in speech's 22 paragraphs and 5 headings).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

const WRAPPED = fileURLToPath(new URL('./fixtures/cases/wrapped/hard-wrapped.txt', import.meta.url));
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

test('hard-wrapped lines are joined into paragraphs, said so, and can be kept as they were', async () => {
  await app.openLibrary();
  await app.page.locator('input[type=file][data-open-text]').setInputFiles(WRAPPED);
  const notice = app.page.locator('[role="status"]').filter({ hasText: 'line breaks inside paragraphs were joined' });
  await notice.waitFor();
  if (await app.page.locator('aside.library').isVisible()) await app.page.locator('[data-action="library"]').click();
  assert.equal(await app.page.locator('[data-kind="paragraph"]').count(), 22);
  assert.equal(await app.page.locator('[data-kind="heading"]').count(), 5);
  const headings = await app.page.locator('[data-kind="heading"]').allInnerTexts();
  assert.ok(headings[0].includes('危机感、紧迫感和压力感'), 'a heading is whole, not cut at the line end');
  await notice.locator('[data-action="keep-lines"]').click();
  await app.page.locator('[role="status"]').filter({ hasText: 'with its line breaks' }).waitFor();
  assert.ok((await app.page.locator('[data-kind="paragraph"]').count()) > 22, 'the lines as they were');
  app.assertNoConsoleErrors();
});
