// `wharf import nginx.conf`: a realistic multi-server config with includes, translated
// key by key, with everything untranslated listed, and the result loads in wharf.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { importFile } from '../../src/importers/import-file.js';
import { loadImported, tempDir, writeTree } from './round-trip.js';

const NGINX_CONF = `
user nginx;
worker_processes 4;
events { worker_connections 512; }

http {
    include mime.types;
    include conf.d/*.conf;
    keepalive_timeout 30s;
    client_max_body_size 1m;
    access_log logs/access.log;
    set_real_ip_from 10.0.0.0/8;
    gzip on;

    limit_req_zone $binary_remote_addr zone=api:10m rate=600r/m;
    limit_conn_zone $binary_remote_addr zone=peraddr:10m;
    limit_conn_zone $server_name zone=perserver:10m;
    limit_req_status 429;

    # plain HTTP only sends clients to HTTPS
    server {
        listen 80;
        server_name shop.example.com;
        return 301 https://$host$request_uri;
    }

    server {
        listen 443 ssl;
        http2 on;
        server_name shop.example.com;
        ssl_certificate     certs/shop.crt;
        ssl_certificate_key certs/shop.key;
        ssl_session_cache shared:SSL:10m;
        root html;
        client_max_body_size 8m;

        location / {
            index index.html;
        }

        location /api/ {
            proxy_pass http://books/;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Custom "yes please";
            proxy_read_timeout 2m;
            proxy_connect_timeout 3s;
            proxy_next_upstream_tries 2;
            limit_req zone=api burst=20 nodelay;
            limit_conn peraddr 10;
            limit_conn perserver 500;
            deny 192.168.1.2;
            allow 192.168.1.0/24;
            allow 127.0.0.1;
            deny all;
        }

        location = /search {
            proxy_pass http://search;
        }

        location ^~ /assets/ {
            alias static/assets/;
            limit_rate 100k;
            limit_rate_after 1m;
            expires 7d;
        }

        location /images/ {
        }

        location ~* \\.(jpg|png)$ {
            expires 30d;
        }

        location /old {
            return 302 https://shop.example.com/new;
        }

        location /admin/ {
            auth_basic "Staff only";
            auth_basic_user_file auth/htpasswd;
            proxy_pass http://127.0.0.1:7000;
            client_max_body_size 0;
        }

        location @fallback {
            proxy_pass http://books;
        }
    }
}
`;

const UPSTREAMS_CONF = `
upstream books {
    least_conn;
    server 127.0.0.1:9001 weight=5 max_fails=3 fail_timeout=30s;
    server 127.0.0.1:9002 max_conns=100 slow_start=10s;
    server 127.0.0.1:9003 backup;
    server 127.0.0.1:9004 down;
    keepalive 32;
    zone books 64k;
}
upstream search { ip_hash; server 127.0.0.1:9201; server 127.0.0.1:9202 max_fails=0; }
upstream cache { hash $request_uri consistent; server 127.0.0.1:9301; server 127.0.0.1:9302; }
upstream fast { random two least_conn; server 127.0.0.1:9401; server 127.0.0.1:9402; }
upstream timed { least_time header; server 127.0.0.1:9501; }
`;

const INTERNAL_CONF = `
server {
    listen 127.0.0.1:8081;
    server_name internal.local;
    location /status {
        proxy_pass http://timed;
        access_log off;
    }
    location / {
        proxy_pass http://cache;
        limit_req zone=nozone;
    }
}
`;

type Route = Record<string, any>;

async function importSample(after: (fn: () => void) => void) {
  const dir = tempDir('wharf-nginx-', after);
  writeTree(dir, { 'nginx.conf': NGINX_CONF, 'conf.d/10-upstreams.conf': UPSTREAMS_CONF, 'conf.d/20-internal.conf': INTERNAL_CONF });
  const result = await importFile(join(dir, 'nginx.conf'));
  const config = parseYaml(result.yaml) as Record<string, any>;
  /** `on`: the listener, needed where servers on different listeners share host and path. */
  const route = (host: string, path: string, on?: string): Route => {
    const matches = (config.routes as Route[]).filter((r) => r.host === host && r.path === path && (on === undefined || (r.listeners ?? []).includes(on)));
    assert.equal(matches.length, 1, `one route ${host}${path}${on ? ` on ${on}` : ''} in:\n${result.yaml}`);
    return matches[0]!;
  };
  return { result, config, route };
}

describe('nginx.conf import', () => {
  test('upstream blocks from an included glob become upstreams with server parameters and methods', async (t) => {
    const { config } = await importSample(t.after.bind(t));
    assert.deepEqual(config.upstreams.books, {
      balance: 'least_conn',
      keepalive: 32,
      read_timeout: '2m',
      connect_timeout: '3s',
      retries: 1,
      servers: [
        { address: '127.0.0.1:9001', weight: 5, max_fails: 3, fail_timeout: '30s' },
        { address: '127.0.0.1:9002', max_conns: 100, slow_start: '10s' },
        { address: '127.0.0.1:9003', backup: true },
        { address: '127.0.0.1:9004', down: true },
      ],
    });
    assert.deepEqual(config.upstreams.search, { balance: 'ip_hash', servers: ['127.0.0.1:9201', { address: '127.0.0.1:9202', max_fails: 0 }] });
    assert.deepEqual(config.upstreams.cache, { balance: 'hash', hash_key: 'uri', servers: ['127.0.0.1:9301', '127.0.0.1:9302'] });
    assert.equal(config.upstreams.fast.balance, 'random');
    assert.equal(config.upstreams.timed.balance, 'least_time');
    assert.deepEqual(config.upstreams['127.0.0.1_7000'], { servers: ['127.0.0.1:7000'] }, 'a bare proxy_pass address gets its own upstream');
  });

  test('listeners: TLS from the certificate pair; each server\'s routes answer on its own listeners; the http->https server is a redirect on port 80 only', async (t) => {
    const { config, route } = await importSample(t.after.bind(t));
    assert.deepEqual(config.listen, ['127.0.0.1:8081', '0.0.0.0:80', { address: '0.0.0.0:443', tls: { cert: 'certs/shop.crt', key: 'certs/shop.key' } }]);
    assert.deepEqual(route('shop.example.com', '/', '0.0.0.0:80'), {
      host: 'shop.example.com',
      path: '/',
      redirect: { to: 'https://$host$request_uri' },
      max_body: '1m',
      listeners: ['0.0.0.0:80'],
    });
    assert.equal(route('shop.example.com', '/', '0.0.0.0:443').static, 'html');
    assert.deepEqual(route('internal.local', '/status').listeners, ['127.0.0.1:8081']);
    for (const r of config.routes as Route[]) assert.equal(r.listeners?.length, 1, `every route names its server's listener: ${JSON.stringify(r)}`);
  });

  test('edge-wide settings: access log, trusted proxies, keepalive timeout', async (t) => {
    const { config } = await importSample(t.after.bind(t));
    assert.equal(config.access_log, 'logs/access.log');
    assert.deepEqual(config.trusted_proxies, ['10.0.0.0/8']);
    assert.deepEqual(config.timeouts, { keepalive: '30s' });
  });

  test('a proxied location carries its guards: access in order, limit_req with its zone rate, limit_conn, inherited max_body', async (t) => {
    const { route } = await importSample(t.after.bind(t));
    assert.deepEqual(route('shop.example.com', '/api'), {
      host: 'shop.example.com',
      path: '/api',
      proxy: 'books',
      strip_prefix: true,
      access: ['deny 192.168.1.2', 'allow 192.168.1.0/24', 'allow 127.0.0.1', 'deny all'],
      limit_req: { rate: '600r/m', burst: 20, nodelay: true },
      limit_conn: { per_ip: 10, total: 500 },
      max_body: '8m',
      listeners: ['0.0.0.0:443'],
    });
  });

  test('root, alias, return and auth locations', async (t) => {
    const { route } = await importSample(t.after.bind(t));
    assert.equal(route('shop.example.com', '/', '0.0.0.0:443').static, 'html');
    assert.equal(route('shop.example.com', '/images').static, 'html/images', 'root gets the location path appended');
    const assets = route('shop.example.com', '/assets');
    assert.equal(assets.static, 'static/assets/', 'alias is the directory itself');
    assert.equal(assets.limit_rate, '100k');
    assert.equal(assets.limit_rate_after, '1m');
    assert.deepEqual(route('shop.example.com', '/old').redirect, { to: 'https://shop.example.com/new', status: 302 });
    assert.equal(route('shop.example.com', '/search').proxy, 'search');
    const admin = route('shop.example.com', '/admin');
    assert.equal(admin.proxy, '127.0.0.1_7000');
    assert.deepEqual(admin.auth, { htpasswd: 'auth/htpasswd', realm: 'Staff only' });
    assert.equal(admin.max_body, undefined, 'client_max_body_size 0 means no limit');
    assert.equal(route('internal.local', '/status').proxy, 'timed');
    assert.equal(route('internal.local', '/').proxy, 'cache');
  });

  test('every untranslated directive is listed with FILE:LINE and written as a comment', async (t) => {
    const { result } = await importSample(t.after.bind(t));
    const expected = [
      /^nginx\.conf:2: user nginx;/,
      /^nginx\.conf:3: worker_processes 4;/,
      /^nginx\.conf:4: events \{ … 1 directive \}/,
      /^nginx\.conf:7: include mime\.types; — mime\.types does not exist/,
      /^nginx\.conf:13: gzip on;/,
      /^nginx\.conf:33: ssl_session_cache shared:SSL:10m;/,
      /^nginx\.conf:45: proxy_set_header X-Custom "yes please";/,
      /^nginx\.conf:66: expires 7d;/,
      /^nginx\.conf:72: location ~\* \\\.\(jpg\|png\)\$ \{ … 1 directive \} — regular-expression locations/,
      /^nginx\.conf:87: location @fallback/,
      /^conf\.d\/10-upstreams\.conf:9: zone books 64k;/,
      /^conf\.d\/20-internal\.conf:7: access_log off;/,
      /^conf\.d\/20-internal\.conf:11: limit_req zone=nozone; — no limit_req_zone declares this zone/,
    ];
    for (const pattern of expected) {
      assert.ok(result.untranslated.some((u) => pattern.test(u)), `${pattern} not in:\n${result.untranslated.join('\n')}`);
      const entry = result.untranslated.find((u) => pattern.test(u))!;
      assert.ok(result.yaml.includes(`# untranslated: ${entry}`), `comment for ${entry}`);
    }
    assert.equal(result.untranslated.length, expected.length, result.untranslated.join('\n'));
  });

  test('the output starts with a header naming the source and notes approximations', async (t) => {
    const { result } = await importSample(t.after.bind(t));
    assert.match(result.yaml, /^# wharf config imported from nginx\.conf \(nginx\)/);
    assert.match(result.yaml, /# Also read: conf\.d\/10-upstreams\.conf, conf\.d\/20-internal\.conf\./);
    assert.match(result.yaml, /# nginx\.conf:58: exact match \(location =\) becomes a prefix route in wharf\n/);
    assert.match(result.yaml, /# nginx\.conf:43: proxy_set_header Host \$host; — wharf sends this header by default/);
  });

  test('the result loads in wharf once its files exist', async (t) => {
    const { result } = await importSample(t.after.bind(t));
    const snapshot = loadImported(result.yaml, t.after.bind(t));
    assert.equal(snapshot.upstreams.get('books')!.readTimeoutMs, 120_000);
    assert.equal(snapshot.routes.find((r) => r.path === '/api')!.limitReq!.rate, 10);
    assert.equal(snapshot.listen.find((l) => l.port === 443)!.tls!.length, 1);
  });
});
