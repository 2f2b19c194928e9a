// The observability endpoints on the control address: GET /metrics (Prometheus), GET
// /api/events (SSE), GET /api/history (per-second totals for the charts), GET /api/alerts
// (open incidents), and the dashboard at / with its files under /dashboard/.
import type { ControlRoute } from './control-server.js';
import { json } from './control-server.js';
import type { DashboardAssets } from './dashboard/assets.js';
import type { Observability } from '../observe/observability.js';

const ASSET_PREFIX = '/dashboard/';

export function observeRoutes(observe: Observability, assets: DashboardAssets): ControlRoute {
  return async (req, res, url) => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return false;
    const path = url.pathname;
    if (path === '/metrics') {
      const text = await observe.metrics.scrape();
      res.writeHead(200, { 'content-type': observe.metrics.contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
      res.end(method === 'HEAD' ? undefined : text);
      return true;
    }
    if (path === '/api/events' && method === 'GET') {
      observe.stream.handle(req, res);
      return true;
    }
    if (path === '/api/history') {
      const seconds = Number(url.searchParams.get('seconds') ?? '300');
      json(res, 200, observe.rates.history(Number.isInteger(seconds) && seconds > 0 ? seconds : 300));
      return true;
    }
    if (path === '/api/alerts') {
      json(res, 200, { incidents: observe.alerter.incidents() });
      return true;
    }
    if (path === '/' || path === '/index.html') return assets.serve(req, res, 'index.html');
    if (path.startsWith(ASSET_PREFIX)) {
      const name = path.slice(ASSET_PREFIX.length);
      return !name.includes('/') && assets.serve(req, res, name);
    }
    return false;
  };
}
