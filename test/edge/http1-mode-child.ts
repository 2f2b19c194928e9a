// Child process of http1-mode.test.ts: hides or alters node:_http_common as a future Node might
// (HTTP1_MODULE=missing | changed), then starts a wharf with one plain listener, sends one
// request to it and prints the status; wharf's own log goes to stderr at info level.
import Module, { createRequire } from 'node:module';

const real = createRequire(import.meta.url)('_http_common') as Record<string, unknown>;
const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const load = loader._load;
loader._load = function hide(this: unknown, request: string, ...rest: unknown[]): unknown {
  if (request === '_http_common' || request === 'node:_http_common') {
    if (process.env.HTTP1_MODULE === 'missing') throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
    // The same module with a renamed export: what a refactoring in Node would look like.
    const { HTTPParser, ...rest } = real;
    return { ...rest, HTTPParserV2: HTTPParser };
  }
  return load.call(this, request, ...rest);
};

const { startWharf } = await import('../helpers/wharf.js');
const w = await startWharf('listen: [127.0.0.1:0]\nroutes: []\n', { logLevel: 'info' });
try {
  const res = await fetch(`${w.baseUrl}/nothing-here`);
  process.stdout.write(`status ${res.status}\n`);
} finally {
  await w.stop();
}
