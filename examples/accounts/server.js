// A small REST service in the style of the classic "accountservice" example, to run under
// wharf: `GET /accounts/:id` over 100 seeded accounts (ids 10000..10099), `GET /healthz`.
// wharf passes the port in $PORT; SIGTERM (or SIGINT) closes the server and exits 0 once
// in-flight requests are done.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 6767);
const instance = process.env.WHARF_INSTANCE ?? '0';
const servedBy = `127.0.0.1:${port} pid ${process.pid}`;

const FIRST_NAMES = ['Ada', 'Brian', 'Chloe', 'Dmitri', 'Elif', 'Farah', 'Goran', 'Hana', 'Ines', 'Jonas'];
const LAST_NAMES = ['Lovelace', 'Kernighan', 'Nguyen', 'Petrov', 'Yilmaz', 'Haddad', 'Novak', 'Sato', 'Garcia', 'Berg'];

const accounts = new Map();
for (let i = 0; i < 100; i++) {
  const id = String(10000 + i);
  accounts.set(id, { id, name: `${FIRST_NAMES[i % 10]} ${LAST_NAMES[Math.floor(i / 10)]}` });
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return sendJson(res, 405, { error: 'method not allowed' });
  }
  if (pathname === '/healthz') return sendJson(res, 200, { status: 'UP', servedBy });
  const match = /^\/accounts\/([^/]+)$/.exec(pathname);
  if (match) {
    const account = accounts.get(decodeURIComponent(match[1]));
    if (!account) return sendJson(res, 404, { error: 'account not found', id: match[1] });
    return sendJson(res, 200, { ...account, servedBy });
  }
  return sendJson(res, 404, { error: 'not found' });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`accounts instance ${instance} listening on 127.0.0.1:${port} (pid ${process.pid})`);
});

// SIGTERM is wharf's (and supervisord's) stop signal, SIGINT PM2's and a terminal's Ctrl-C.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`accounts instance ${instance} stopping (${signal})`);
    // close() stops accepting and lets in-flight requests finish; idle keep-alive
    // connections are closed so the process can exit promptly.
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}
