// node-http-proxy, the most common Node proxy library, with a keep-alive agent.
import { createServer, Agent } from 'node:http';
import httpProxy from 'http-proxy';

const [, , listenPort, upstream] = process.argv;
const proxy = httpProxy.createProxyServer({ target: `http://${upstream}`, agent: new Agent({ keepAlive: true, maxSockets: 256 }), xfwd: true });
proxy.on('error', (_err, _req, res) => {
  res.statusCode = 502;
  res.end();
});
createServer((req, res) => proxy.web(req, res)).listen(Number(listenPort), '127.0.0.1', () => process.send?.('ready'));
