import { test } from 'node:test';
import { connect } from 'node:net';
import { startStack, hostPort } from './e2e-support.js';
const BIG = Buffer.alloc(12 * 1024 * 1024, 'w');
test('slow reader, no limit_rate, upstream keepAliveTimeout 1s', async () => {
  const stack = await startStack(`  - path: /big
    proxy: backend`, { handler: (_q, res) => { res.writeHead(200, { 'content-length': String(BIG.length) }); res.end(BIG); } });
  stack.backend.server.keepAliveTimeout = 1000;
  const start = performance.now();
  const socket = connect(hostPort(stack.wharf.baseUrl));
  socket.write('GET /big/f HTTP/1.1\r\nHost: t\r\n\r\n');
  let bytes = 0;
  socket.on('data', (d: Buffer) => { bytes += d.length; socket.pause(); setTimeout(() => socket.resume(), 20); });
  await new Promise(r => socket.on('close', r));
  console.log('received', bytes, 'of', BIG.length, 'at', ((performance.now()-start)/1000).toFixed(1));
  await new Promise(r=>setTimeout(r,100));
  console.log(stack.wharf.accessLines.join('\n'));
  await stack.close();
});
