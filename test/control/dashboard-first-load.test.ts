// What a person sees when the dashboard opens (Chromium through playwright-core): "connecting"
// while the first snapshot loads (not "offline"), the last 100 events of the event stream
// (replayed to a new page), a lone p99 value drawn as a point, and chart captions whose
// figures are in the chart's unit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Browser, Page, Route } from 'playwright-core';
import { interopRequired } from '../helpers/backends.js';
import { startWharf, type RunningWharf } from '../helpers/wharf.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const missing = !existsSync(CHROMIUM);
if (missing && interopRequired()) throw new Error(`${CHROMIUM} is required (WHARF_REQUIRE_INTEROP is set) but missing`);

describe('dashboard on first load', { skip: missing ? `${CHROMIUM} is not installed` : false }, () => {
  let w: RunningWharf;
  let browser: Browser;
  const pages: Page[] = [];

  before(async () => {
    w = await startWharf(`listen: [127.0.0.1:0]
control: { address: 127.0.0.1:0 }
access_log: "off"
routes:
  - { path: /, redirect: { to: "https://example.com/" } }
`);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await w?.stop();
  });

  /** Opens the dashboard through a one-time login link (the session cookie), as `wharf dashboard` does. */
  async function open(hold?: (route: Route) => Promise<void>): Promise<Page> {
    const link = (await (await w.control('/api/login-link', { method: 'POST' })).json()) as { path: string };
    const page = await browser.newPage();
    pages.push(page);
    if (hold) await page.route('**/api/status', hold);
    void page.goto(new URL(link.path, w.controlUrl).href);
    return page;
  }

  test('says "connecting" while the first snapshot loads, then "live"', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    const page = await open(async (route) => {
      if (!held) {
        held = true;
        await released;
      }
      await route.continue();
    });
    await page.waitForSelector('#live');
    for (let i = 0; i < 100 && !held; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(held, 'the status request is being held');
    assert.equal(await page.textContent('#live'), 'connecting');
    release();
    await page.waitForFunction(() => document.getElementById('live')?.textContent === 'live');
  });

  test('shows the last 100 events, also those from before it was opened', async () => {
    for (let i = 0; i < 105; i++) {
      const res = await w.control('/api/reload', { method: 'POST' });
      assert.equal(res.status, 200);
    }
    const page = await open();
    await page.waitForFunction(() => document.querySelectorAll('#events li').length >= 100);
    assert.equal(await page.$$eval('#events li', (items) => items.length), 100);
    assert.match((await page.textContent('#events li'))!, /config reloaded/);
    // Live events still arrive after the replay.
    await w.control('/api/reload', { method: 'POST' });
    await page.waitForFunction(() => document.querySelectorAll('#events li').length === 100);
  });

  test('a lone p99 value is drawn as a point', async () => {
    const page = await open();
    await page.waitForSelector('#chart-p99');
    const painted = await page.evaluate(async () => {
      const chartModule = '/dashboard/chart.js';
      const { LineChart } = await import(chartModule);
      const canvas = document.createElement('canvas');
      canvas.style.width = '300px';
      canvas.style.height = '100px';
      document.body.append(canvas);
      const chart = new LineChart(canvas, { color: '#ff0000', capacity: 30 });
      const values = new Array(30).fill(null);
      values[15] = 42;
      chart.setData(Date.now() - 30_000, 1000, values);
      const ctx = canvas.getContext('2d')!;
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let red = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! > 200 && data[i + 1]! < 80 && data[i + 2]! < 80) red++;
      return red;
    });
    assert.ok(painted > 0, 'the point is on the canvas');
  });

  test('chart captions give their figure in the chart\'s unit', async () => {
    const page = await open();
    await page.waitForFunction(() => (document.getElementById('chart-errors-now')?.textContent ?? '') !== '');
    assert.match((await page.textContent('figure:has(#chart-errors) figcaption'))!, /^5xx per second \d+(\.\d+)?\/s$/);
    assert.match((await page.textContent('figure:has(#chart-rps) figcaption'))!, /^Requests per second \d+(\.\d+)?\/s$/);
    const p99 = (await page.textContent('#chart-p99-now'))!;
    assert.ok(p99 === '' || / ms$/.test(p99), p99);
  });
});
