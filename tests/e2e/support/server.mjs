// A static file server for dist/ on 127.0.0.1, so the tests need no other tool.
// Optionally a reverse proxy too, like the one docs/sync.md sets up in nginx:
//   serve(root, { proxy: { '/couchdb/': 'http://127.0.0.1:5984/' } })
// forwards every request under /couchdb/ (any method, headers with Cookie,
// body; Set-Cookie back) to that server with the prefix stripped, so the page
// and CouchDB share one origin. A target that is null or unreachable gets
// 502 Bad Gateway, as from a real reverse proxy.
import { createServer, request as httpRequest } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

// Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

function checkPrefix(prefix) {
  if (!prefix.startsWith('/') || !prefix.endsWith('/')) throw new Error(`proxy prefix must start and end with "/": ${prefix}`);
}

function forwardHeaders(headers, target, req) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name)) out[name] = value;
  }
  out.host = target.host;
  const forwardedFor = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${req.socket.remoteAddress}` : req.socket.remoteAddress;
  out['x-forwarded-proto'] = 'http';
  out['x-forwarded-host'] = req.headers.host ?? '';
  return out;
}

function badGateway(res, why) {
  if (res.headersSent) { res.destroy(); return; }
  res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`502 Bad Gateway: ${why}\n`);
}

function proxyTo(req, res, prefix, targetUrl) {
  if (!targetUrl) {
    req.resume();
    badGateway(res, 'the sync server is switched off');
    return;
  }
  const target = new URL(targetUrl);
  const base = target.pathname.endsWith('/') ? target.pathname : `${target.pathname}/`;
  const path = base + req.url.slice(prefix.length);
  const upstream = httpRequest({
    host: target.hostname,
    port: target.port || 80,
    method: req.method,
    path,
    headers: forwardHeaders(req.headers, target, req),
  }, (up) => {
    const headers = {};
    for (const [name, value] of Object.entries(up.headers)) {
      if (!HOP_BY_HOP.has(name)) headers[name] = value;
    }
    // like nginx's default proxy_redirect: the upstream's own URLs point back through the prefix
    if (typeof headers.location === 'string' && headers.location.startsWith(target.origin + base)) {
      headers.location = prefix + headers.location.slice((target.origin + base).length);
    }
    res.writeHead(up.statusCode, up.statusMessage, headers);
    up.pipe(res);
    up.on('error', () => res.destroy());
  });
  upstream.on('error', (err) => badGateway(res, `the sync server did not answer (${err.code ?? err.message})`));
  // the client gave up (a long poll cancelled, a tab closed): so does the upstream request
  res.on('close', () => { if (!res.writableFinished) upstream.destroy(); });
  req.pipe(upstream);
}

/**
 * Serves `root` on 127.0.0.1 on a free port.
 * options.proxy: { '/prefix/': 'http://host:port/' | null } (prefixes start and end with '/').
 * Returns { url, close(), setProxy(prefix, target | null) }; setProxy changes where a
 * prefix goes (null: answer 502, as when the sync server is down).
 */
export async function serve(root, { proxy = {} } = {}) {
  const base = resolve(root);
  const routes = new Map();
  for (const [prefix, target] of Object.entries(proxy)) {
    checkPrefix(prefix);
    routes.set(prefix, target);
  }
  const server = createServer(async (req, res) => {
    for (const [prefix, target] of routes) {
      if (req.url.startsWith(prefix)) {
        proxyTo(req, res, prefix, target);
        return;
      }
    }
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      let file = normalize(join(base, path));
      if (!file.startsWith(base)) throw new Error('outside root');
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end('not found');
    }
  });
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    setProxy(prefix, target) {
      checkPrefix(prefix);
      routes.set(prefix, target ?? null);
    },
    close: () => new Promise((ok) => {
      server.close(ok);
      // open long polls through the proxy would otherwise keep the server up
      if (routes.size) for (const socket of sockets) socket.destroy();
    }),
  };
}
