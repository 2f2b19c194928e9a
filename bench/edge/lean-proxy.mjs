// Reference point, not product: how fast a Node proxy gets when it does almost nothing per
// request. Node's own llhttp parser driven directly on net sockets, responses framed by hand,
// no request/response objects, no headers object, undici's raw handler; GET/HEAD without bodies
// only, no routing, no logging. wharf's plain-HTTP listener is built the same way
// (src/edge/http1), with everything this leaves out: bodies, pipelining, upgrades, timeouts,
// routing, guards, the access log and metrics; the gap to this figure is that work.
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { Pool } from 'undici';

const require = createRequire(import.meta.url);
const { HTTPParser, methods } = require('_http_common');
const [, , listenPort, upstream] = process.argv;
const pool = new Pool(`http://${upstream}`, { connections: null, pipelining: 1 });
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect']);
const STATUS = { 200: 'OK', 404: 'Not Found', 502: 'Bad Gateway' };

function onConnection(socket) {
  socket.setNoDelay(true);
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.REQUEST, {}, 16384, 0);
  const clientIp = socket.remoteAddress;
  parser[HTTPParser.kOnHeadersComplete] = (major, minor, raw, method, url, _s, _m, _upgrade, keepAlive) => {
    const headers = [];
    let host = '';
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      if (HOP.has(name)) continue;
      if (name === 'host') host = raw[i + 1];
      headers.push(name, raw[i + 1]);
    }
    headers.push('x-forwarded-for', clientIp, 'x-real-ip', clientIp, 'x-forwarded-proto', 'http', 'x-forwarded-host', host);
    socket.pause();
    pool.dispatch({ path: url, method: methods[method], headers }, {
      onConnect() {},
      onHeaders(status, rawHeaders, resume) {
        let head = `HTTP/1.1 ${status} ${STATUS[status] ?? 'OK'}\r\n`;
        for (let i = 0; i < rawHeaders.length; i += 2) {
          const name = rawHeaders[i].toString('latin1');
          const lower = name.toLowerCase();
          if (HOP.has(lower)) continue;
          head += `${name}: ${rawHeaders[i + 1].toString('latin1')}\r\n`;
        }
        head += keepAlive ? 'connection: keep-alive\r\n\r\n' : 'connection: close\r\n\r\n';
        socket.cork();
        socket.write(head, 'latin1');
        this.resume = resume;
        return true;
      },
      onData(chunk) {
        return socket.write(chunk);
      },
      onComplete() {
        socket.uncork();
        if (!keepAlive) socket.end();
        socket.resume();
      },
      onError() {
        socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      },
    });
    return 0;
  };
  parser[HTTPParser.kOnBody] = () => {};
  parser[HTTPParser.kOnMessageComplete] = () => {};
  socket.on('data', (data) => {
    const result = parser.execute(data);
    if (result instanceof Error) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => parser.free?.());
}

createServer({ noDelay: true }, onConnection).listen(Number(listenPort), '127.0.0.1', () => process.send?.('ready'));
