// The rollouts panel: each app's release rolling out (or its last one) with its state, step,
// traffic split, the canary's and the stable release's error rate and p99 over the step, the
// time left in the step, and the moves the state allows (promote, pause, resume, abort).
import { el, setText, syncChildren } from './dom.js';
import { action } from './control-api.js';

const MOVES = { progressing: ['pause', 'promote', 'abort'], paused: ['resume', 'promote', 'abort'] };

export async function loadRollouts(apps) {
  const answers = await Promise.all(
    apps.filter((a) => !a.name.includes('@')).map((a) => fetch(`/api/apps/${encodeURIComponent(a.name)}/rollout`, { cache: 'no-store' }).then((r) => (r.ok ? r.json() : null), () => null)),
  );
  const rollouts = answers.filter((r) => r && r.release);
  const section = document.getElementById('rollouts-section');
  section.hidden = rollouts.length === 0;
  syncChildren(document.getElementById('rollouts'), rollouts, (r) => r.app, create, update);
}

function create(r) {
  const moves = el('span', { class: 'rollout-moves' });
  const row = el('tr', { 'data-rollout': r.app }, ...['app', 'release', 'state', 'step', 'weight', 'new', 'stable', 'left'].map((k) => el('td', { class: `r-${k}` })), el('td', {}, moves));
  row.parts = { moves };
  return row;
}

function side(numbers) {
  if (!numbers) return '–';
  return `${numbers.requests} req · ${(numbers.error_rate * 100).toFixed(1)}% err · p99 ${numbers.p99_ms === null ? '–' : `${numbers.p99_ms.toFixed(1)} ms`}`;
}

function update(row, r) {
  const release = r.release;
  const canary = release.strategy === 'canary';
  const cells = Object.fromEntries([...row.children].map((td) => [td.className.replace('r-', ''), td]));
  setText(cells.app, r.app);
  setText(cells.release, `#${release.number} ${release.summary}`);
  setText(cells.state, release.state.replace('_', ' ') + (release.reason ? ` (${release.reason})` : ''));
  setText(cells.step, canary ? `${Math.min(release.step + 1, r.steps.length)}/${r.steps.length}` : 'rolling');
  setText(cells.weight, canary ? `${Math.round(r.weight * 100)}%` : '–');
  setText(cells.new, side(r.canary));
  setText(cells.stable, side(r.baseline));
  setText(cells.left, r.step_left_ms === undefined ? '–' : `${Math.ceil(r.step_left_ms / 1000)} s`);
  const allowed = canary ? MOVES[release.state] ?? [] : [];
  const key = allowed.join(',');
  if (row.parts.moves.dataset.key === key) return;
  row.parts.moves.dataset.key = key;
  row.parts.moves.replaceChildren(
    ...allowed.map((move) => {
      const button = el('button', { type: 'button', class: `rollout-${move}` }, move);
      button.addEventListener('click', () => action(button, 'POST', `/api/apps/${encodeURIComponent(r.app)}/rollout/${move}`, `${r.app}: ${move} done`));
      return button;
    }),
  );
}
