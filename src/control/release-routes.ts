// The releases endpoints: deploy, the rollout in progress and its moves, the release list and
// rollback. Release records hold env values; what leaves here names env keys only.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ControlRoute } from './control-server.js';
import { readJsonBody } from './json-body.js';
import { json } from './control-server.js';
import type { Release, ReleaseChanges } from '../release/release.js';
import { describeChanges } from '../release/release.js';
import type { ReleaseManager } from '../release/release-manager.js';
import type { RolloutStatus } from '../release/rollout-status.js';
import { ReleaseError } from '../release/release-errors.js';

const ROUTE = /^\/api\/apps\/([^/]+)\/(deploy|rollout|releases|rollback)(?:\/(promote|abort|pause|resume))?$/;
const MAX_BODY = 64 * 1024;
/** A git ref that can never be read as an option of git (no leading dash), nor escape its repository. */
const SAFE_REF = /^(?!-)[A-Za-z0-9._/@^~-]{1,200}$/;

export interface ReleaseRoutesDeps {
  readonly releases: ReleaseManager;
  readonly rollout: (app: string) => RolloutStatus;
  /** Base directory a relative `cwd` resolves against (the config's). */
  readonly baseDir: () => string;
}

export function releaseRoutes(deps: ReleaseRoutesDeps): ControlRoute {
  return async (req, res, url) => {
    const match = ROUTE.exec(url.pathname);
    if (!match) return false;
    const app = decodeURIComponent(match[1]!);
    const [, , what, move] = match;
    const by = `${(req.socket.remoteAddress ?? '').replace(/^::ffff:/, '')} via control API`;
    if (what === 'deploy' && req.method === 'POST') {
      const changes = parseChanges(await readJsonBody(req, MAX_BODY, 'a deploy request'), deps.baseDir());
      const release = await deps.releases.deploy(app, changes, by);
      json(res, 202, { release: view(release) });
    } else if (what === 'rollback' && req.method === 'POST') {
      const to = url.searchParams.get('to');
      if (to !== null && !/^\d+$/.test(to)) throw new ReleaseError('WHARF_BAD_REQUEST', 'rollback needs ?to=N (a release number)', 400);
      const release = await deps.releases.rollback(app, to === null ? undefined : Number(to), by);
      json(res, 202, { release: view(release) });
    } else if (what === 'rollout' && move && req.method === 'POST') {
      json(res, 200, { release: view(await deps.releases.operate(app, move as 'promote')) });
    } else if (what === 'rollout' && !move && req.method === 'GET') {
      json(res, 200, deps.rollout(app));
    } else if (what === 'releases' && req.method === 'GET') {
      json(res, 200, { app, releases: deps.releases.releases(app).map(view) });
    } else {
      json(res, 405, { error: `${req.method} is not allowed on ${url.pathname}`, code: 'WHARF_METHOD_NOT_ALLOWED' });
    }
    return true;
  };
}

/** A release as the API shows it: env names, never values. */
export function view(release: Release): Record<string, unknown> {
  const { env, ...changes } = release.changes;
  return { ...release, changes: { ...changes, ...(env ? { env: Object.keys(env) } : {}) }, summary: describeChanges(release.changes) };
}

function parseChanges(body: unknown, baseDir: string): ReleaseChanges {
  const bad = (message: string) => new ReleaseError('WHARF_BAD_REQUEST', message, 400);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('the body must be a JSON object: { env, command, cwd, ref }');
  const { env, command, cwd, ref, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw bad(`unknown field(s): ${unknown.join(', ')} (expected env, command, cwd, ref)`);
  if (env !== undefined && (typeof env !== 'object' || env === null || Array.isArray(env) || Object.entries(env).some(([k, v]) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || typeof v !== 'string'))) {
    throw bad('env must be an object of NAME: "value" strings');
  }
  const commandOk = command === undefined || (typeof command === 'string' && command.trim() !== '') || (Array.isArray(command) && command.length > 0 && command.every((a) => typeof a === 'string'));
  if (!commandOk) throw bad('command must be a non-empty string or list of strings');
  if (cwd !== undefined && (typeof cwd !== 'string' || !isDirectory(resolve(baseDir, cwd)))) throw bad(`cwd ${JSON.stringify(cwd)} is not a directory`);
  if (ref !== undefined && (typeof ref !== 'string' || !SAFE_REF.test(ref))) throw bad('ref must be a git branch, tag or commit');
  return {
    ...(env ? { env: env as Record<string, string> } : {}),
    ...(command !== undefined ? { command: command as string | string[] } : {}),
    ...(cwd !== undefined ? { cwd: cwd as string } : {}),
    ...(ref !== undefined ? { ref: ref as string } : {}),
  };
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

