import { test } from 'node:test';
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWharf } from '/work/main/test/helpers/wharf.js';
import { makeCert } from '/work/main/test/edge/certs.js';

test('probe', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'probe-'));
  const c = makeCert(dir, 'a', ['a.test']);
  const w = await startWharf(`listen:
  - address: 127.0.0.1:0
    tls: { cert: ${c.cert}, key: ${c.key} }
control: { address: 127.0.0.1:0 }
timeouts: { client_header: 600ms }
`, { dir });
  const port = Number(new URL(w.baseUrl).port);
  await new Promise<void>((resolve) => {
    const t0 = Date.now();
    const s = connect(port, '127.0.0.1');
    const timer = setTimeout(() => { console.log('no-handshake still open after 3s'); s.destroy(); }, 3000);
    s.on('close', () => { clearTimeout(timer); console.log('raw TCP no-handshake closed after', Date.now() - t0); resolve(); });
    s.on('error', () => {});
  });
  await w.stop();
});
