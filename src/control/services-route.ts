// GET /api/services (`wharf services`): the registry's services in the status model.
import type { ServiceEntry } from '../registry/types.js';
import { servicesStatus } from '../registry/registry-status.js';
import { json, type ControlRoute } from './control-server.js';

export function servicesRoute(services: () => ReadonlyMap<string, readonly ServiceEntry[]>): ControlRoute {
  return (req, res, url) => {
    if (req.method !== 'GET' || url.pathname !== '/api/services') return false;
    json(res, 200, { services: servicesStatus(services()) });
    return true;
  };
}
