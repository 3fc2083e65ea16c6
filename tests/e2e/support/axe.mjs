// axe-core in the page: the accessibility rules it breaks, as a user of a
// screen reader or a low-contrast screen would meet them.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Runs axe-core on the page and returns its violations (rule, impact, nodes). */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    const content = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
    // The page's Content-Security-Policy refuses inline scripts
    // (page.addScriptTag({ content })): the source is evaluated through the
    // DevTools protocol instead, which the policy does not govern.
    await page.evaluate(content);
  }
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }));
  });
}
