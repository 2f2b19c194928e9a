// Makes docs/dashboard.png for the README: starts a wharf with a few apps and routes on
// loopback, sends some traffic (a little of it failing) for a while, and photographs the
// dashboard in Debian's Chromium. Run: npx tsx scripts/dashboard-screenshot.ts [seconds]
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { startBackend } from '../test/helpers/backends.js';
import { startWharf } from '../test/helpers/wharf.js';

const seconds = Number(process.argv[2] ?? '45');
const out = resolve('docs/dashboard.png');
const node = JSON.stringify(process.execPath);
const APP = `import { createServer } from 'node:http';
const server = createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  const delay = Math.random() < 0.02 ? 120 : Math.random() * 8;
  setTimeout(() => { res.statusCode = req.url.includes('flaky') && Math.random() < 0.03 ? 500 : 200; res.end('ok'); }, delay);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
`;

const legacy = await startBackend('legacy');
const w = await startWharf(
  `listen: [127.0.0.1:0]
control: { address: 127.0.0.1:0 }
upstreams:
  legacy:
    servers: [${legacy.address}]
apps:
  books: { command: [${node}, app.js], instances: 3, health: { path: /healthz, interval: 1s } }
  accounts: { command: [${node}, app.js], instances: 2, health: { path: /healthz, interval: 1s } }
  search: { command: [${node}, app.js], instances: 1, health: { path: /healthz, interval: 1s } }
routes:
  - { path: /api/books, proxy: books }
  - { path: /api/authors, proxy: books }
  - { path: /accounts, proxy: accounts }
  - { path: /accounts/flaky, proxy: accounts }
  - { path: /search, proxy: search }
  - { path: /legacy, proxy: legacy }
`,
  { files: { 'app.js': APP } },
);

const paths = ['/api/books/1', '/api/books/2', '/api/authors/7', '/accounts/me', '/accounts/flaky/x', '/search?q=a', '/legacy/x'];
let running = true;
const load = Promise.all(
  Array.from({ length: 4 }, async (_, worker) => {
    for (let i = 0; running; i++) {
      const path = paths[(i + worker) % paths.length]!;
      await fetch(`${w.baseUrl}${path}`).then((r) => r.arrayBuffer()).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
  }),
);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1 });
  await page.goto(`${w.controlUrl}/`);
  await page.waitForSelector('#live:not(.off)');
  await new Promise((r) => setTimeout(r, 3000));
  await mkdir(dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  running = false;
  await load;
  await browser.close();
  await w.stop();
  await legacy.close();
}
