// The dashboard in a real browser (Debian's Chromium through playwright-core): it loads with
// the login page, takes the token and opens the dashboard; it loads with no console errors,
// lists the config's apps and routes, its req/s rises under load, and its restart button (on
// the browser session) gives the instance a new pid.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startBackend, type Backend } from '../helpers/backends.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from '../helpers/chromium.js';
import { startWharf, type RunningWharf } from '../helpers/wharf.js';
import { APP_FILES, appsStatus, supervisedApps, waitFor } from '../observe/support.js';

const TOKEN = 's3cret-token';

const missing = chromiumMissing();

describe('dashboard in Chromium', { skip: missing }, () => {
  let backend: Backend;
  let w: RunningWharf;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async () => {
    backend = await startBackend('legacy');
    w = await startWharf(
      `listen: [127.0.0.1:0]
control: { address: 127.0.0.1:0, token: ${TOKEN} }
upstreams:
  legacy:
    servers: [${backend.address}]
${supervisedApps({ web: 2, worker: 1 })}routes:
  - path: /web
    proxy: web
  - path: /jobs
    proxy: worker
  - path: /legacy
    proxy: legacy
`,
      APP_FILES,
    );
    await waitFor('instances ready', async () => {
      const status = await appsStatus(w);
      return status.apps.every((app) => app.instances.length > 0 && app.instances.every((i) => i.ready));
    });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto(`${w.controlUrl}/`);
  });

  after(async () => {
    await browser?.close();
    await w?.stop();
    await backend?.close();
  });

  test('asks for the token first, then opens the dashboard on a session', async () => {
    await page.waitForSelector('form[action="/login"] #token');
    assert.equal(await page.$('#apps'), null, 'no dashboard before logging in');
    await page.fill('#token', 'not-the-token');
    await page.click('form[action="/login"] button');
    await page.waitForSelector('.error');
    assert.match((await page.textContent('.error')) ?? '', /not the control token/);
    await page.fill('#token', TOKEN);
    await page.click('form[action="/login"] button');
    await page.waitForSelector('#apps');
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'wharf_session');
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    // The login page answers 401 by design; what counts is the dashboard's own errors from here on.
    consoleErrors.length = 0;
  });

  test('loads without console errors and shows the apps and routes of the config', async () => {
    await page.waitForSelector('tr[data-app="web"][data-instance="1"]');
    await page.waitForSelector('tr[data-route="/legacy"]');
    assert.deepEqual(await page.$$eval('.app[data-app]', (nodes) => nodes.map((n) => n.getAttribute('data-app'))), ['web', 'worker']);
    assert.deepEqual((await page.$$eval('#routes tbody tr', (rows) => rows.map((r) => r.getAttribute('data-route')))).sort(), ['/jobs', '/legacy', '/web']);
    assert.deepEqual(await page.$$eval('.upstream[data-upstream]', (nodes) => nodes.map((n) => n.getAttribute('data-upstream')).sort()), ['legacy', 'web', 'worker']);
    assert.equal(await page.textContent('tr[data-app="web"][data-instance="0"] .badge'), 'ready');
    await page.waitForSelector('#live:not(.off)');
    assert.deepEqual(consoleErrors, []);
  });

  test('its req/s figure rises under load', async () => {
    const rps = async () => Number(await page.textContent('#total-rps'));
    const routeRps = async () => Number(await page.textContent('tr[data-route="/legacy"] .rps'));
    assert.equal(await rps(), 0);
    let stop = false;
    const load = (async () => {
      const deadline = Date.now() + 8000;
      for (let i = 0; i < 4000 && !stop && Date.now() < deadline; i++) await (await fetch(`${w.baseUrl}/legacy/${i % 10}`)).text();
    })();
    try {
      await waitFor('req/s above zero', async () => (await rps()) > 0 && (await routeRps()) > 0, 8000, 100);
    } finally {
      stop = true;
      await load;
    }
    assert.deepEqual(consoleErrors, []);
  });

  test('restart on the session gives the instance a new pid', async () => {
    const pidCell = 'tr[data-app="web"][data-instance="0"] .pid';
    const before = Number(await page.textContent(pidCell));
    assert.ok(before > 0);
    await page.click('.app[data-app="web"] button.restart');
    await waitFor(
      'a new pid',
      async () => {
        const text = (await page.textContent(pidCell)) ?? '';
        return /^\d+$/.test(text) && Number(text) !== before;
      },
      15_000,
      100,
    );
    const status = await appsStatus(w);
    const now = status.apps.find((a) => a.name === 'web')!.instances.find((i) => i.id === 0)!.pid;
    assert.notEqual(now, before);
    assert.deepEqual(consoleErrors, []);
  });

  test('log out ends the session: the page is the login form again and the API refuses the old cookie', async () => {
    const cookie = (await page.context().cookies()).find((c) => c.name === 'wharf_session')!;
    await page.click('#logout');
    await page.waitForSelector('form[action="/login"] #token');
    const replay = await fetch(`${w.controlUrl}/api/status`, { headers: { cookie: `wharf_session=${cookie.value}` } });
    assert.equal(replay.status, 401);
  });
});
