// Measurements the browser benchmarks share, run in the page.

/** Median ms from a tag keypress (key 1, on the focused block `index`) to the block's `data-themes` changing, over `runs` presses a frame apart. */
export function keypressLatency(page, index, runs = 21) {
  return page.evaluate(async ([i, n]) => {
    const out = [];
    const block = document.querySelector(`[data-block="${i}"]`);
    for (let k = 0; k < n; k++) {
      const done = new Promise((resolve) => {
        const obs = new MutationObserver(() => { obs.disconnect(); resolve(performance.now()); });
        obs.observe(block, { attributes: true, attributeFilter: ['data-themes'] });
      });
      const start = performance.now();
      window.dispatchEvent(new KeyboardEvent('keydown', { key: '1', bubbles: true }));
      out.push((await done) - start);
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    }
    out.sort((a, b) => a - b);
    return out[Math.floor(out.length / 2)];
  }, [index, runs]);
}

/** Frame intervals while the page scrolls 400 px a frame from the top (at most 600 frames, or to the end): median, p95 and frames, in ms. */
export function scrollFrames(page) {
  return page.evaluate(async () => {
    window.scrollTo(0, 0);
    await new Promise((r) => requestAnimationFrame(r));
    const gaps = [];
    let last = performance.now();
    const end = () => window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2;
    for (let i = 0; i < 600 && !end(); i++) {
      window.scrollBy(0, 400);
      await new Promise((r) => requestAnimationFrame(r));
      const t = performance.now();
      gaps.push(t - last);
      last = t;
    }
    gaps.sort((a, b) => a - b);
    return { median: gaps[Math.floor(gaps.length / 2)], p95: gaps[Math.floor(gaps.length * 0.95)], frames: gaps.length };
  });
}
