// `wharf deploy`, `rollout`, `rollback` and `releases`: releases through the control API.
// `deploy --wait` and `rollout` follow a rollout to its end: a redrawn progress line on a
// terminal, plain lines (one per change) otherwise.
import type { ControlClient } from './control-client.js';
import { CliError } from './control-client.js';
import { table } from './status-table.js';
import type { RolloutStatus, SideNumbers } from '../release/rollout-status.js';

interface ReleaseView {
  readonly number: number;
  readonly state: string;
  readonly strategy: string;
  readonly step: number;
  readonly summary: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly reason?: string;
}

const FINAL = new Set(['promoted', 'rolled_back', 'failed']);
const MOVES = new Set(['promote', 'abort', 'pause', 'resume']);

export interface DeployOptions {
  readonly env?: readonly string[];
  readonly command?: string;
  readonly cwd?: string;
  readonly ref?: string;
  readonly wait?: boolean;
}

export async function deploy(client: ControlClient, app: string, options: DeployOptions, out: NodeJS.WriteStream): Promise<number> {
  const env: Record<string, string> = {};
  for (const pair of options.env ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--env needs NAME=VALUE, got ${JSON.stringify(pair)}`, 'WHARF_USAGE');
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const body = {
    ...(Object.keys(env).length ? { env } : {}),
    ...(options.command ? { command: options.command } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.ref ? { ref: options.ref } : {}),
  };
  const { release } = await client.post<{ release: ReleaseView }>(`/api/apps/${encodeURIComponent(app)}/deploy`, body);
  out.write(`deploy: ${app} release #${release.number} (${release.strategy}: ${release.summary}) started\n`);
  return options.wait ? follow(client, app, release.number, out) : 0;
}

export async function rollback(client: ControlClient, app: string, to: string | undefined, wait: boolean, out: NodeJS.WriteStream): Promise<number> {
  if (to !== undefined && !/^\d+$/.test(to)) throw new CliError('--to needs a release number', 'WHARF_USAGE');
  const { release } = await client.post<{ release: ReleaseView }>(`/api/apps/${encodeURIComponent(app)}/rollback${to ? `?to=${to}` : ''}`);
  out.write(`rollback: ${app} release #${release.number} (${release.summary}) started\n`);
  return wait ? follow(client, app, release.number, out) : 0;
}

export async function releases(client: ControlClient, app: string, out: NodeJS.WriteStream): Promise<number> {
  const { releases: list } = await client.get<{ releases: ReleaseView[] }>(`/api/apps/${encodeURIComponent(app)}/releases`);
  if (list.length === 0) {
    out.write(`${app} has no releases yet (it runs its config as is); \`wharf deploy ${app}\` makes one\n`);
    return 0;
  }
  const rows = [...list].reverse().map((r) => [`#${r.number}`, r.state, r.strategy, r.summary, r.createdAt.replace('T', ' ').slice(0, 19), r.reason ?? '']);
  out.write(`${table(['RELEASE', 'STATE', 'STRATEGY', 'CHANGES', 'CREATED', 'REASON'], rows)}\n`);
  return 0;
}

export async function rollout(client: ControlClient, app: string, move: string | undefined, out: NodeJS.WriteStream): Promise<number> {
  const path = `/api/apps/${encodeURIComponent(app)}/rollout`;
  if (move !== undefined) {
    if (!MOVES.has(move)) throw new CliError(`usage: wharf rollout APP [promote|abort|pause|resume]`, 'WHARF_USAGE');
    const { release } = await client.post<{ release: ReleaseView }>(`${path}/${move}`);
    out.write(`rollout: ${app} release #${release.number} is now ${release.state.replace('_', ' ')}\n`);
    return 0;
  }
  const status = await client.get<RolloutStatus>(path);
  const release = status.release as ReleaseView | null;
  if (!release) {
    out.write(`${app}: no releases yet\n`);
    return 0;
  }
  if (FINAL.has(release.state)) {
    out.write(`${describe(status)}\n`);
    return 0;
  }
  return follow(client, app, release.number, out);
}

/** Polls the rollout until the release ends; exit 0 when promoted, 1 otherwise. */
async function follow(client: ControlClient, app: string, number: number, out: NodeJS.WriteStream): Promise<number> {
  const tty = Boolean(out.isTTY);
  let last = '';
  for (;;) {
    const status = await client.get<RolloutStatus>(`/api/apps/${encodeURIComponent(app)}/rollout`);
    const release = status.release as ReleaseView | null;
    const line = describe(status);
    if (tty) out.write(`\r\x1b[2K${line}`);
    else if (line !== last) out.write(`${line}\n`);
    last = line;
    if (!release || release.number !== number || FINAL.has(release.state)) {
      if (tty) out.write('\n');
      return release?.number === number && release.state === 'promoted' ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function describe(status: RolloutStatus): string {
  const release = status.release as ReleaseView | null;
  if (!release) return `${status.app}: no release`;
  const head = `${status.app} #${release.number} ${release.state.replace('_', ' ')}`;
  if (release.strategy !== 'canary') return `${head}${release.reason ? ` (${release.reason})` : ''}`;
  const steps = status.steps.length;
  const weight = Math.round(status.weight * 100);
  const bar = '#'.repeat(Math.round(status.weight * 20)).padEnd(20, '.');
  const left = status.step_left_ms !== undefined ? ` ${Math.ceil(status.step_left_ms / 1000)}s left` : '';
  return `${head} step ${Math.min(release.step + 1, steps)}/${steps} [${bar}] ${weight}% new${left} | new ${side(status.canary)} | stable ${side(status.baseline)}${release.reason ? ` (${release.reason})` : ''}`;
}

function side(numbers: SideNumbers | undefined): string {
  if (!numbers) return '-';
  return `${numbers.requests} req, ${(numbers.error_rate * 100).toFixed(1)}% err, p99 ${numbers.p99_ms === null ? '-' : `${numbers.p99_ms.toFixed(1)}ms`}`;
}
