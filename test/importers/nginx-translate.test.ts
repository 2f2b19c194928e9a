// nginx constructs one at a time: what each becomes in wharf, or why it is listed as untranslated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { importFile } from '../../src/importers/import-file.js';
import { loadImported, tempDir, writeTree } from './round-trip.js';

type After = (fn: () => void) => void;

async function translate(http: string, after: After) {
  const dir = tempDir('wharf-nginx-case-', after);
  writeTree(dir, { 'nginx.conf': `http {\n${http}\n}\n` });
  const result = await importFile(join(dir, 'nginx.conf'));
  loadImported(result.yaml, after); // every case must still give a config wharf accepts
  return { result, config: parseYaml(result.yaml) as Record<string, any> };
}

const hasNote = (untranslated: string[], pattern: RegExp) => assert.ok(untranslated.some((u) => pattern.test(u)), `${pattern} not in:\n${untranslated.join('\n')}`);

test('a server without listen gets nginx\'s default port 80', async (t) => {
  const { config, result } = await translate('server { location / { proxy_pass http://127.0.0.1:3000; } }', t.after.bind(t));
  assert.deepEqual(config.listen, ['0.0.0.0:80']);
  assert.match(result.yaml, /server without listen: nginx's default \*:80/);
});

test('an IPv6 wildcard beside 0.0.0.0 on the same port is left out with a note', async (t) => {
  const { config, result } = await translate('server { listen 80; listen [::]:80; listen [::1]:8080; location / { proxy_pass http://127.0.0.1:3000; } }', t.after.bind(t));
  assert.deepEqual(config.listen, ['0.0.0.0:80', '[::1]:8080']);
  hasNote(result.untranslated, /^nginx\.conf:2: listen \[::\]:80; — wharf listens on 0\.0\.0\.0:80 already/);
});

test('server names: several, .domain, regex; default_server routes match any host', async (t) => {
  const { config, result } = await translate([
    'server { listen 80; server_name a.test .b.test ~^c\\d+$; location / { proxy_pass http://127.0.0.1:3000; } }',
    'server { listen 80 default_server; server_name fallback.test; location / { proxy_pass http://127.0.0.1:3001; } }',
  ].join('\n'), t.after.bind(t));
  assert.deepEqual(config.routes[0].host, ['a.test', 'b.test', '*.b.test']);
  assert.equal(config.routes[1].host, undefined);
  hasNote(result.untranslated, /server name ~\^c\\d\+\$: wharf matches exact hosts/);
});

test('several TLS servers on one port share the listener with one certificate each (SNI)', async (t) => {
  const { config } = await translate([
    'server { listen 443 ssl; server_name a.test; ssl_certificate a.crt; ssl_certificate_key a.key; location / { proxy_pass http://127.0.0.1:3000; } }',
    'server { listen 443 ssl; server_name b.test; ssl_certificate b.crt; ssl_certificate_key b.key; location / { proxy_pass http://127.0.0.1:3000; } }',
  ].join('\n'), t.after.bind(t));
  assert.deepEqual(config.listen, [{ address: '0.0.0.0:443', tls: [{ cert: 'a.crt', key: 'a.key' }, { cert: 'b.crt', key: 'b.key' }] }]);
});

test('ssl inherited from http level; ssl without a certificate leaves the listener out', async (t) => {
  const { config, result } = await translate([
    'ssl_certificate site.crt; ssl_certificate_key site.key;',
    'server { listen 8443 ssl; location / { proxy_pass http://127.0.0.1:3000; } }',
  ].join('\n'), t.after.bind(t));
  assert.deepEqual(config.listen, [{ address: '0.0.0.0:8443', tls: { cert: 'site.crt', key: 'site.key' } }]);
  const bare = await translate('server { listen 9443 ssl; listen 9080; location / { proxy_pass http://127.0.0.1:3000; } }', t.after.bind(t));
  assert.deepEqual(bare.config.listen, ['0.0.0.0:9080']);
  hasNote(bare.result.untranslated, /listen 9443 ssl; — ssl without ssl_certificate/);
});

test('hash keys wharf cannot read are reported; without "consistent" a comment explains wharf\'s hash', async (t) => {
  const { config, result } = await translate([
    'upstream a { hash $remote_addr; server 127.0.0.1:1; }',
    'upstream b { hash $host$uri; server 127.0.0.1:2; }',
    'upstream c { hash $http_x_tenant_id consistent; server 127.0.0.1:3; }',
  ].join('\n'), t.after.bind(t));
  assert.deepEqual([config.upstreams.a.balance, config.upstreams.a.hash_key], ['hash', 'ip']);
  assert.match(result.yaml, /wharf's hash is always consistent/);
  assert.equal(config.upstreams.b.balance, undefined);
  hasNote(result.untranslated, /^nginx\.conf:3: hash \$host\$uri; — wharf hashes ip, uri/);
  assert.equal(config.upstreams.c.hash_key, 'header:x-tenant-id');
});

test('least_time last_byte, queue, plain random and unknown server parameters', async (t) => {
  const { config, result } = await translate([
    'upstream a { least_time last_byte inflight; queue 100 timeout=30s; server 127.0.0.1:1 resolve; }',
    'upstream b { random; server 127.0.0.1:2; }',
  ].join('\n'), t.after.bind(t));
  assert.equal(config.upstreams.a.least_time, 'last_byte');
  assert.deepEqual(config.upstreams.a.queue, { size: 100, timeout: '30s' });
  assert.deepEqual(config.upstreams.a.servers, ['127.0.0.1:1']);
  hasNote(result.untranslated, /least_time last_byte inflight; — wharf measures completed requests only/);
  hasNote(result.untranslated, /server 127\.0\.0\.1:1 resolve; — server parameter resolve has no wharf equivalent/);
  assert.equal(config.upstreams.b.balance, 'random');
  assert.match(result.yaml, /wharf's random is "random two"/);
});

test('an upstream with only unix sockets is left out and routes to it are reported', async (t) => {
  const { config, result } = await translate('upstream php { server unix:/run/php.sock; }\nserver { listen 80; location / { proxy_pass http://php; } }', t.after.bind(t));
  assert.equal(config.upstreams, undefined);
  assert.equal(config.routes, undefined);
  hasNote(result.untranslated, /^nginx\.conf:2: upstream php \{ … 1 directive \} — no server wharf can reach/);
  hasNote(result.untranslated, /proxy_pass http:\/\/php; — upstream php could not be translated/);
});

test('proxy_pass URIs: "/" strips the prefix, another URI is reported, a hostname without port gets :80', async (t) => {
  const { config, result } = await translate([
    'server { listen 80;',
    '  location /a/ { proxy_pass http://backend.internal/; }',
    '  location /b/ { proxy_pass http://backend.internal/v2/; }',
    '  location /c { proxy_pass http://$upstream_host; }',
    '}',
  ].join('\n'), t.after.bind(t));
  assert.deepEqual(config.upstreams, { 'backend.internal_80': { servers: ['backend.internal:80'] } });
  assert.deepEqual(config.routes.map((r: any) => [r.path, r.proxy, r.strip_prefix]), [['/a', 'backend.internal_80', true], ['/b', 'backend.internal_80', undefined]]);
  hasNote(result.untranslated, /proxy_pass http:\/\/backend\.internal\/v2\/; — nginx replaces \/b with \/v2\//);
  hasNote(result.untranslated, /proxy_pass http:\/\/\$upstream_host; — wharf proxies to a named upstream or host:port, without variables/);
});

test('return: redirects become redirect routes, other codes are reported', async (t) => {
  const { config, result } = await translate([
    'server { listen 80; server_name old.test;',
    '  location /moved { return 301 https://$server_name/new$request_uri; }',
    '  location /temp { return https://elsewhere.test/; }',
    '  location /private { return 403; }',
    '}',
  ].join('\n'), t.after.bind(t));
  assert.deepEqual(config.routes.map((r: any) => [r.path, r.redirect]), [
    ['/moved', { to: 'https://old.test/new$request_uri' }],
    ['/temp', { to: 'https://elsewhere.test/', status: 302 }],
  ]);
  hasNote(result.untranslated, /return 403; — wharf routes answer by proxy, static files or redirect/);
});

test('a server-level return answers everything: its locations are reported as unreachable', async (t) => {
  const { config, result } = await translate('server { listen 8080; return 302 http://maintenance.test/; location /api { proxy_pass http://127.0.0.1:1; } }', t.after.bind(t));
  assert.deepEqual(config.routes, [{ path: '/', redirect: { to: 'http://maintenance.test/', status: 302 } }]);
  hasNote(result.untranslated, /location \/api \{ … 1 directive \} — never reached/);
});

test('"location = /" beside "location /" keeps the first and reports the duplicate', async (t) => {
  const { config, result } = await translate('server { listen 80; location = / { proxy_pass http://127.0.0.1:1; } location / { proxy_pass http://127.0.0.1:2; } }', t.after.bind(t));
  assert.equal(config.routes.length, 1);
  assert.equal(config.routes[0].proxy, '127.0.0.1_1');
  hasNote(result.untranslated, /location \/ \{ … 1 directive \} — wharf already has a route for this host and path from nginx\.conf:2/);
});

test('proxy timeouts: http level is edge-wide; a second location with another value is reported', async (t) => {
  const { config, result } = await translate([
    'proxy_read_timeout 45; proxy_connect_timeout 2s; client_header_timeout 5s;',
    'upstream app { server 127.0.0.1:1; }',
    'server { listen 80;',
    '  location /a { proxy_pass http://app; proxy_read_timeout 10s; proxy_next_upstream off; }',
    '  location /b { proxy_pass http://app; proxy_read_timeout 20s; }',
    '}',
  ].join('\n'), t.after.bind(t));
  assert.deepEqual(config.timeouts, { upstream_read: '45s', upstream_connect: '2s', client_header: '5s' });
  assert.equal(config.upstreams.app.read_timeout, '10s');
  assert.equal(config.upstreams.app.retries, 0);
  hasNote(result.untranslated, /proxy_read_timeout 20s; — upstream app already has read_timeout: 10s from nginx\.conf:5/);
});

test('limit zones keyed by server name or header; nginx\'s 503 for limit_req is kept', async (t) => {
  const { config } = await translate([
    'limit_req_zone $server_name zone=site:1m rate=100r/s;',
    'limit_req_zone $http_x_api_key zone=key:1m rate=5r/s;',
    'server { listen 80;',
    '  location /a { proxy_pass http://127.0.0.1:1; limit_req zone=site; }',
    '  location /b { proxy_pass http://127.0.0.1:1; limit_req zone=key burst=3 delay=1; limit_req_status 429; }',
    '}',
  ].join('\n'), t.after.bind(t));
  assert.deepEqual(config.routes[0].limit_req, { rate: '100r/s', key: 'route', status: 503 });
  assert.deepEqual(config.routes[1].limit_req, { rate: '5r/s', key: 'header:x-api-key', burst: 3, delay: 1 });
});

test('inheritance: allow/deny and limits come from the nearest level that sets any', async (t) => {
  const { config } = await translate([
    'allow 10.0.0.0/8; deny all; client_max_body_size 4k; limit_rate 1m;',
    'server { listen 80;',
    '  location /inherits { proxy_pass http://127.0.0.1:1; }',
    '  location /own { proxy_pass http://127.0.0.1:1; allow all; limit_rate 0; }',
    '}',
  ].join('\n'), t.after.bind(t));
  const [inherits, own] = config.routes;
  assert.deepEqual(inherits.access, ['allow 10.0.0.0/8', 'deny all']);
  assert.equal(inherits.max_body, '4k');
  assert.equal(inherits.limit_rate, '1m');
  assert.deepEqual(own.access, ['allow all']);
  assert.equal(own.limit_rate, undefined);
});

test('access_log with a JSON log_format selects json; main-context blocks like stream are reported whole', async (t) => {
  const dir = tempDir('wharf-nginx-case-', t.after.bind(t));
  writeTree(dir, {
    'nginx.conf': [
      'stream { server { listen 5432; proxy_pass db:5432; } }',
      'http {',
      '  log_format jsonlog escape=json \'{"time":"$time_iso8601","status":$status}\';',
      '  access_log /dev/stdout jsonlog;',
      '  access_log /var/log/second.log;',
      '}',
    ].join('\n'),
  });
  const result = await importFile(join(dir, 'nginx.conf'));
  const config = parseYaml(result.yaml) as Record<string, any>;
  assert.equal(config.access_log, 'stdout');
  assert.equal(config.access_log_format, 'json');
  hasNote(result.untranslated, /^nginx\.conf:1: stream \{ … 1 directive \} — wharf proxies HTTP only/);
  hasNote(result.untranslated, /^nginx\.conf:5: access_log \/var\/log\/second\.log; — wharf writes one access log/);
  hasNote(result.untranslated, /^nginx\.conf:3: log_format jsonlog/);
});

test('values wharf would reject are reported instead of written, so the output still loads', async (t) => {
  const { config, result } = await translate([
    'set_real_ip_from unix:; set_real_ip_from 172.16.0.0/12;',
    'server { listen 80; server_name my_host.local ok.test;',
    '  location /a { proxy_pass http://127.0.0.1:1; allow 10.0.0.0/33; allow 10.0.0.0/8; deny all; }',
    '  location /b { root /srv/$host; }',
    '}',
  ].join('\n'), t.after.bind(t));
  assert.deepEqual(config.trusted_proxies, ['172.16.0.0/12']);
  assert.deepEqual(config.routes, [{ host: 'ok.test', path: '/a', proxy: '127.0.0.1_1', access: ['allow 10.0.0.0/8', 'deny all'] }]);
  hasNote(result.untranslated, /set_real_ip_from unix:; — wharf trusts proxies by IP or CIDR only/);
  hasNote(result.untranslated, /server name my_host\.local: not a host name wharf can match/);
  hasNote(result.untranslated, /allow 10\.0\.0\.0\/33; — wharf access rules take an IP, a CIDR or all/);
  hasNote(result.untranslated, /root \/srv\/\$host; — a directory with variables/);
});
