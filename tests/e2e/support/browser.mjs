// Debian's Chromium, headless, one fresh profile (user data dir) per "person".
import { chromium } from 'playwright-core';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EXECUTABLE = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

/** A browser profile of its own: its own localStorage, its own downloads. */
export async function openProfile() {
  const dir = await mkdtemp(join(tmpdir(), 'annotator-profile-'));
  const launch = () => chromium.launchPersistentContext(dir, {
    executablePath: EXECUTABLE,
    headless: true,
    args: ARGS,
    acceptDownloads: true,
    viewport: { width: 1400, height: 900 },
  });
  const profile = {
    context: await launch(),
    /** Kills every process of this profile's browser at once (SIGKILL), as a crash or a power cut would: nothing is flushed. */
    async crash() {
      for (const pid of await processesOf(dir)) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      }
      await profile.context.close().catch(() => {});
    },
    /** Starts the browser again on the same profile. */
    async reopen() {
      profile.context = await launch();
      return profile.context;
    },
    async close() {
      await profile.context.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  return profile;
}

/** The ids of the processes whose command line names the profile's directory. */
async function processesOf(dir) {
  const pids = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dir)) pids.push(Number(name));
  }
  return pids;
}
