// A test app that says which release answers, and a wharf running it.
import { NODE } from '../supervise/helpers.js';

/** Answers "release N GREETING"; /healthz fails when NEVER_READY is set; ERROR_RATE and SLOW_MS shape its answers. */
export const RELEASE_APP = `import { createServer } from 'node:http';
const release = process.env.WHARF_RELEASE ?? '0';
const errorRate = Number(process.env.ERROR_RATE ?? 0);
const slowMs = Number(process.env.SLOW_MS ?? 0);
let n = 0;
createServer((req, res) => {
  if (req.url === '/healthz') return res.writeHead(process.env.NEVER_READY ? 500 : 200).end('ok');
  n++;
  const fail = errorRate > 0 && (n % Math.round(1 / errorRate)) === 0;
  setTimeout(() => res.writeHead(fail ? 500 : 200).end(\`release \${release} \${process.env.GREETING ?? ''}\`.trim()), slowMs);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

export function releaseConfig(rollout = '', extra = ''): string {
  return `listen: [127.0.0.1:0]
control: { address: 127.0.0.1:0 }
access_log: off
apps:
  web:
    command: [${NODE}, app.mjs]
    instances: 2
    health: { path: /healthz, interval: 100ms }
    stop_timeout: 5s
    start_timeout: 5s
${rollout}${extra}routes:
  - path: /
    proxy: web
`;
}

export const RELEASE_FILES = { files: { 'app.mjs': RELEASE_APP } };
