// The README's screenshot: the built page (dist/) at 1400×900 in a fresh
// browser profile, with the built-in speech, two paragraphs tagged, the
// first one focused. Run after a release build:
//   node scripts/screenshot.mjs [out.png]   (default docs/screenshot.png)
// It uses the end-to-end tests' support code, so tests/e2e needs its
// packages installed (npm install in tests/e2e).
import { fileURLToPath } from 'node:url';
import { startServer } from '../tests/e2e/support/env.mjs';
import { openProfile } from '../tests/e2e/support/browser.mjs';
import { AnnotatorPage } from '../tests/e2e/support/annotator-page.mjs';

const out = process.argv[2] ?? fileURLToPath(new URL('../docs/screenshot.png', import.meta.url));
const server = await startServer();
const profile = await openProfile();
try {
  const app = await AnnotatorPage.open(profile.context, server.url);
  await app.page.setViewportSize({ width: 1400, height: 900 });
  await app.waitForTerms();
  const paras = await app.blockIndexes('paragraph');
  // Two paragraphs tagged by key; the first stays focused, with its toggles.
  await app.focusBlock(paras[1]);
  await app.press('2');
  await app.focusBlock(paras[0]);
  await app.press('1');
  await app.page.mouse.move(1399, 899);
  await app.page.evaluate(() => window.scrollTo(0, 0));
  await app.page.waitForTimeout(300);
  await app.page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await profile.close();
  await server.close();
}
