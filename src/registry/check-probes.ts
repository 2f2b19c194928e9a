// The registry's HTTP/TCP checks on the shared probes of src/checks: a Consul check's URL and
// headers in the probe's terms. Consul's verdicts come from the probe itself (no rule given).
import { probeHttp, probeTcp } from '../checks/index.js';
import type { RegistryProbes } from './check-runner.js';

export const sharedProbes: RegistryProbes = {
  http(target, timeoutMs) {
    const url = new URL(target.url);
    const tls = url.protocol === 'https:';
    const headers: Record<string, string> = {};
    // The probe takes one value per header; Consul's lists are joined as HTTP allows.
    for (const [name, values] of Object.entries(target.headers)) headers[name.toLowerCase()] = values.join(', ');
    return probeHttp(
      {
        host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: Number(url.port) || (tls ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method: target.method,
        headers,
        tls,
        tlsSkipVerify: target.tlsSkipVerify,
      },
      timeoutMs,
    );
  },
  tcp: (target, timeoutMs) => probeTcp(target, timeoutMs),
};
