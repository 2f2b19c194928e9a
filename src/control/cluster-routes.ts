// POST /api/cluster/config: `wharf apply`. The body is { file, text }; the node checks the text
// as it would run it and stores it in etcd (400 with FILE:LINE:COL errors, nothing stored, when
// it has errors; 503 while this node cannot reach etcd).
import { readJsonBody } from './json-body.js';
import { json, type ControlRoute } from './control-server.js';

export interface ClusterControl {
  apply(file: string, text: string): Promise<{ revision: number }>;
}

/** An applied config larger than this is refused (etcd's default request limit is 1.5 MiB). */
const MAX_CONFIG_BYTES = 1024 * 1024;

export function clusterRoutes(cluster: () => ClusterControl | undefined): ControlRoute {
  return async (req, res, url) => {
    if (url.pathname !== '/api/cluster/config' || req.method !== 'POST') return false;
    const target = cluster();
    if (!target) {
      json(res, 409, { error: 'this wharf runs without a cluster block: edit its file and run `wharf reload`', code: 'WHARF_CLUSTER_UNAVAILABLE' });
      return true;
    }
    const parsed = (await readJsonBody(req, MAX_CONFIG_BYTES, 'an applied config')) as { file?: unknown; text?: unknown };
    if (typeof parsed.file !== 'string' || typeof parsed.text !== 'string' || parsed.file === '') {
      json(res, 400, { error: 'the body must be JSON: { "file": NAME, "text": YAML }', code: 'WHARF_BAD_REQUEST' });
      return true;
    }
    try {
      json(res, 200, await target.apply(parsed.file, parsed.text));
    } catch (error) {
      const { code, status, errors } = error as { code?: string; status?: number; errors?: readonly string[] };
      if (!code?.startsWith('WHARF_CLUSTER') && code !== 'WHARF_CONFIG_REJECTED') throw error;
      json(res, status ?? 409, { error: (error as Error).message, code, ...(errors?.length ? { errors } : {}) });
    }
    return true;
  };
}
