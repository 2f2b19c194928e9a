// The floor wharf is measured against: the least a Node proxy can do with http.Server and an
// undici Pool (pool.stream), with no routing, no header rewriting and no logging.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [, , listenPort, upstream] = process.argv;
const pool = new Pool(`http://${upstream}`, { connections: null, pipelining: 1 });
createServer((req, res) => {
  pool.stream(
    { path: req.url, method: req.method, headers: req.headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req },
    ({ statusCode, headers }) => {
      delete headers.connection;
      delete headers['keep-alive'];
      delete headers['transfer-encoding'];
      res.writeHead(statusCode, headers);
      return res;
    },
    (err) => {
      if (err && !res.headersSent) {
        res.statusCode = 502;
        res.end();
      }
    },
  );
}).listen(Number(listenPort), '127.0.0.1', () => process.send?.('ready'));
