// A PM2 ecosystem file as teams write them: a cluster API, a fork-mode site on its own port,
// a worker; secrets in env (never copied into comments).
module.exports = {
  apps: [
    {
      name: 'api',
      script: './dist/server.js',
      node_args: '--enable-source-maps',
      instances: 4,
      exec_mode: 'cluster',
      wait_ready: true,
      listen_timeout: 10000,
      kill_timeout: 5000,
      max_memory_restart: '400M',
      env: { NODE_ENV: 'development', API_TOKEN: 'dev-token-not-a-secret' },
      env_production: { NODE_ENV: 'production', API_TOKEN: 'prod-token-very-secret' },
      watch: false,
      merge_logs: true,
    },
    {
      name: 'site',
      script: 'server.js',
      cwd: './site',
      exec_mode: 'fork',
      env: { PORT: 4000 },
    },
    {
      name: 'worker',
      script: 'worker.py',
      interpreter: 'python3',
      autorestart: false,
      kill_signal: 'SIGTERM',
      vendor_settings: { license_key: 'lic-very-secret', region: 'eu' },
    },
  ],
};
