// A CouchDB-compatible test server: pouchdb-server, in memory, on 127.0.0.1,
// set up the way docs/sync.md sets up a study on Apache CouchDB 3: a server
// admin (no admin party), the database `study`, users in `_users`, the
// members in `_security`, and the design document couchdb/design.json.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const BIN = join(require.resolve('pouchdb-server/package.json'), '..', 'bin', 'pouchdb-server');
export const DESIGN_PATH = fileURLToPath(new URL('../../../couchdb/design.json', import.meta.url));

export const ADMIN = Object.freeze({ name: 'admin', password: 'admin-pw' });
export const DEFAULT_USERS = Object.freeze([
  { name: 'alice', password: 'alice-pw', roles: [] },
  { name: 'bob', password: 'bob-pw', roles: [] },
  { name: 'carol', password: 'carol-pw', roles: ['adjudicator'] },
]);

function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

const basic = ({ name, password }) => `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;

/**
 * Signs in through POST {base}_session and returns the Cookie header value
 * ("AuthSession=…") the server set. `base` is the server's URL with a trailing
 * slash, directly or through a proxy prefix (http://127.0.0.1:8080/couchdb/).
 */
export async function login(base, name, password) {
  const res = await fetch(new URL('_session', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`login as ${name}: ${res.status} ${body}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('AuthSession='));
  if (!cookie) throw new Error(`login as ${name}: no AuthSession cookie in the answer`);
  return cookie;
}

async function waitUntilUp(url, child, output) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`pouchdb-server exited (${child.exitCode ?? child.signalCode}): ${output()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`pouchdb-server did not answer on ${url}: ${output()}`);
}

/**
 * Starts pouchdb-server in memory as a child process and sets a study up.
 * options: users (default DEFAULT_USERS: {name, password, roles}), db (default 'study'),
 * design (default true: install couchdb/design.json).
 * Returns { url, db, dbUrl, admin, users, port, adminFetch(path, init), stop(), kill(), restart() }.
 */
export async function startCouch({ users = DEFAULT_USERS, db = 'study', design = true } = {}) {
  let child = null;
  let dir = null;
  let port = null;
  let log = '';

  async function launch() {
    dir = mkdtempSync(join(tmpdir(), 'couch-test-'));
    // pouchdb-server keeps its /_config in this file and its log next to it
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ log: { file: join(dir, 'log.txt'), level: 'warning' } }));
    log = '';
    child = spawn(process.execPath, [BIN, '--in-memory', '-n',
      '--host', '127.0.0.1', '--port', String(port), '--config', join(dir, 'config.json')],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk) => { log = (log + chunk).slice(-8000); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const url = `http://127.0.0.1:${port}/`;
    await waitUntilUp(url, child, () => log);
    await setUp(url);
    return url;
  }

  async function call(url, method, path, body, auth = basic(ADMIN)) {
    const headers = { accept: 'application/json' };
    if (auth) headers.authorization = auth;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(new URL(path, url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} /${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  async function setUp(url) {
    // the first admin ends the admin party (PUT /_config/admins/<name> "<password>")
    await call(url, 'PUT', `_config/admins/${ADMIN.name}`, ADMIN.password, null);
    await call(url, 'PUT', db);
    for (const user of users) {
      await call(url, 'PUT', `_users/org.couchdb.user:${encodeURIComponent(user.name)}`,
        { _id: `org.couchdb.user:${user.name}`, name: user.name, password: user.password, roles: user.roles ?? [], type: 'user' });
    }
    await call(url, 'PUT', `${db}/_security`, {
      admins: { names: [], roles: [] },
      members: { names: users.map((u) => u.name), roles: [] },
    });
    if (design) await call(url, 'PUT', `${db}/_design/annotator`, JSON.parse(readFileSync(DESIGN_PATH, 'utf8')));
  }

  function exited() {
    return !child || child.exitCode !== null || child.signalCode !== null;
  }

  async function end(signal) {
    if (!exited()) {
      const gone = new Promise((ok) => child.once('exit', ok));
      child.kill(signal);
      await gone;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  }

  const onExit = () => { if (!exited()) child.kill('SIGKILL'); };
  process.on('exit', onExit);

  let url;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      url = await launch();
      break;
    } catch (err) {
      await end('SIGKILL');
      if (attempt >= 2) throw err;
    }
  }

  const handle = {
    url,
    db,
    dbUrl: `${url}${db}/`,
    port,
    admin: { ...ADMIN },
    users: users.map((u) => ({ ...u, roles: [...(u.roles ?? [])] })),
    /** fetch(url + path) as the server admin (HTTP basic auth). */
    adminFetch(path, init = {}) {
      const headers = { accept: 'application/json', authorization: basic(ADMIN), ...(init.headers ?? {}) };
      return fetch(new URL(path, url), { ...init, headers });
    },
    /** Stops the server (SIGTERM) and removes its files. */
    stop: () => { process.off('exit', onExit); return end('SIGTERM'); },
    /** The server dies at once (SIGKILL): connections drop, nothing answers on the port. */
    kill: () => end('SIGKILL'),
    /**
     * A new, empty server on the same port, set up again (users, security, design).
     * Data and sessions from before are gone: the server runs in memory.
     */
    async restart() {
      await end('SIGKILL');
      await launch();
    },
  };
  return handle;
}
