// Shared set-up: the built dist/ served once per test file.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serve } from './server.mjs';

export const DIST = process.env.DIST ?? fileURLToPath(new URL('../../../dist/', import.meta.url));

export async function startServer() {
  if (!existsSync(`${DIST}/index.html`)) {
    throw new Error(`no built page at ${DIST}: run scripts/test.sh (or trunk build --release) first`);
  }
  return serve(DIST);
}
