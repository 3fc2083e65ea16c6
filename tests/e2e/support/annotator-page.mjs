// A page object: what a user does on the annotator, named as they would say it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

export class AnnotatorPage {
  constructor(page) {
    this.page = page;
    this.errors = [];
    page.on('console', (m) => { if (m.type() === 'error') this.errors.push(m.text()); });
    page.on('pageerror', (e) => this.errors.push(String(e)));
  }

  static async open(context, url) {
    const page = context.pages()[0] ?? (await context.newPage());
    const p = new AnnotatorPage(page);
    await p.goto(url);
    return p;
  }

  async goto(url) {
    await this.page.goto(url);
    await this.waitForText();
  }

  async reload() {
    await this.page.reload();
    await this.waitForText();
  }

  /** Waits for the app's own page: the built-in speech the build wrote in (`#prerender`) shows before it. */
  waitForText() {
    return this.page.waitForSelector('html[data-app="live"] [data-kind="paragraph"]', { state: 'attached', timeout: 20000 });
  }

  waitForTerms() {
    return this.page.waitForSelector('html[data-app="live"] mark[data-term]', { timeout: 20000 });
  }

  block(index) {
    return this.page.locator(`[data-block="${index}"]`);
  }

  async blockIndexes(kind) {
    return this.page.$$eval(`[data-kind="${kind}"]`, (els) => els.map((e) => Number(e.dataset.block)));
  }

  async themesOf(index) {
    const v = await this.block(index).getAttribute('data-themes');
    return v ? v.split(' ').filter(Boolean) : [];
  }

  /**
   * Points at a block, as a user about to tag it would: its toggles and suggestion buttons show
   * while it is hovered or focused (the others show quiet chips). The pointer rests in the block's
   * padding, not on a key term.
   */
  async showControls(index) {
    // Centred first, so that clicking a control after needs no scroll: a
    // scroll would move another block under the resting pointer, and the
    // toggles would follow the pointer there (a user scrolling with the
    // wheel sees the same).
    await this.block(index).evaluate((e) => e.scrollIntoView({ block: 'center' }));
    await this.block(index).hover({ position: { x: 6, y: 3 } });
    await this.block(index).locator('[data-theme-toggle]').first().waitFor();
  }

  /**
   * Points at a block and clicks one of its theme toggles. A change arriving from another tab
   * can move the text under a resting pointer, so the toggles give way to quiet chips; like a
   * user, it points again (at most five times) before clicking.
   */
  async clickTheme(index, theme) {
    for (let attempt = 1; ; attempt++) {
      await this.showControls(index);
      try {
        await this.block(index).locator(`[data-theme-toggle="${theme}"]`).click({ timeout: 3000 });
        return;
      } catch (e) {
        if (attempt >= 5) throw e;
      }
    }
  }

  async focusBlock(index) {
    await this.block(index).locator(':scope > :first-child').click();
  }

  async press(key) {
    await this.page.keyboard.press(key);
  }

  async focusedBlock() {
    return this.page.$eval('.block.focused', (e) => Number(e.dataset.block)).catch(() => null);
  }

  /** Opens the focused block's note with the n key, ready to type. */
  async openNote(index) {
    await this.press('n');
    await this.page.waitForFunction((i) => document.activeElement?.matches(`[data-block="${i}"] [data-note]`), index);
  }

  async writeNote(index, text) {
    await this.focusBlock(index);
    await this.openNote(index);
    await this.block(index).locator('[data-note]').fill(text);
    await this.press('Escape');
  }

  async noteOf(index) {
    const note = this.block(index).locator('[data-note]');
    return (await note.count()) ? note.inputValue() : '';
  }

  /** Waits for the debounced write to land in localStorage. */
  async settle() {
    await this.page.waitForTimeout(400);
  }

  /**
   * Every stored entry of the app, as `[key, value]` pairs sorted by key: localStorage's and
   * IndexedDB's (where texts and annotations live) together.
   */
  storedEntries() {
    return this.page.evaluate(() => new Promise((resolve, reject) => {
      const local = Object.entries(localStorage).filter(([k]) => k.startsWith('speech-annotator'));
      const open = indexedDB.open('speech-annotator');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('texts')) { db.close(); resolve(local.sort()); return; }
        const store = db.transaction('texts').objectStore('texts');
        const keys = store.getAllKeys();
        const values = store.getAll();
        values.onsuccess = () => {
          db.close();
          resolve([...local, ...keys.result.map((k, i) => [k, values.result[i]])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
        };
        values.onerror = () => reject(values.error);
      };
    }));
  }

  /** Puts values into localStorage while no annotator page is open, as a crash or another program would leave them. */
  async seedStorage(baseUrl, entries) {
    await this.page.goto(`${baseUrl}seed-not-the-app`);
    await this.page.evaluate((e) => { for (const [k, v] of e) localStorage.setItem(k, v); }, entries);
    this.errors.length = 0; // the seeding page's own 404 is not the app's
    await this.goto(baseUrl);
  }

  async openLibrary() {
    if (!(await this.page.locator('aside.library').isVisible())) await this.page.locator('[data-action="library"]').click();
    await this.page.locator('aside.library').waitFor();
  }

  /**
   * Clicks a control that exports and returns the download. An unnamed user's export that names
   * coders is held while they are asked for their name: it is sent without one, as a user who
   * skips the prompt does.
   */
  async exportVia(locator) {
    const downloaded = this.page.waitForEvent('download');
    await locator.click();
    const unnamed = this.page.locator('[data-coder-prompt-export-unnamed]');
    const first = await Promise.race([
      downloaded.then(() => 'download'),
      unnamed.waitFor({ timeout: 10_000 }).then(() => 'held', () => 'download'),
    ]);
    if (first === 'held') await unnamed.click();
    return downloaded;
  }

  /** Clicks an export in the Share menu and returns the downloaded file's name and text. */
  async download(kind) {
    const menu = this.page.locator('[data-menu="share"]');
    if ((await menu.getAttribute('open')) === null) await menu.locator('summary').click();
    const download = await this.exportVia(this.page.locator(`[data-export="${kind}"]`));
    const bytes = await readFile(await download.path());
    return { name: download.suggestedFilename(), text: bytes.toString('utf8'), bytes };
  }

  /** Picks a file in the Share menu's import input. */
  async importFile({ name, text, bytes }) {
    const buffer = bytes ?? Buffer.from(text);
    await this.page.locator('input[type=file][data-import]').setInputFiles({ name, mimeType: 'application/octet-stream', buffer });
  }

  /** Drops a file on the page, as from a file manager. */
  async dropFile({ name, text }) {
    const dt = await this.page.evaluateHandle(([n, t]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t], n, { type: 'application/json' }));
      return dt;
    }, [name, text]);
    await this.page.dispatchEvent('main', 'drop', { dataTransfer: dt });
  }

  alerts() {
    return this.page.locator('[role="alert"]');
  }

  assertNoConsoleErrors() {
    assert.deepEqual(this.errors, [], `console errors: ${this.errors.join('\n')}`);
  }
}
