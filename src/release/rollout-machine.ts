// The rollout state machine: one table of allowed moves, used by every caller (CLI, API,
// the analysis loop, a resumed rollout, another node). A move the table does not allow is
// refused with WHARF_ROLLOUT_TRANSITION and a sentence naming both states.
export type RolloutState = 'pending' | 'progressing' | 'paused' | 'promoted' | 'aborting' | 'rolled_back' | 'failed';

export type RolloutMove = 'start' | 'advance' | 'pause' | 'resume' | 'promote' | 'abort' | 'rolled_back' | 'fail';

const MOVES: Readonly<Record<RolloutMove, { readonly from: readonly RolloutState[]; readonly to: RolloutState }>> = {
  start: { from: ['pending'], to: 'progressing' },
  advance: { from: ['progressing'], to: 'progressing' },
  pause: { from: ['progressing'], to: 'paused' },
  resume: { from: ['paused'], to: 'progressing' },
  promote: { from: ['progressing', 'paused'], to: 'promoted' },
  abort: { from: ['progressing', 'paused'], to: 'aborting' },
  rolled_back: { from: ['aborting'], to: 'rolled_back' },
  fail: { from: ['pending'], to: 'failed' },
};

/** States a release never leaves. */
export const FINAL_STATES: ReadonlySet<RolloutState> = new Set(['promoted', 'rolled_back', 'failed']);

export class RolloutTransitionError extends Error {
  readonly code = 'WHARF_ROLLOUT_TRANSITION';
  readonly status = 409;
  constructor(
    readonly move: RolloutMove,
    readonly from: RolloutState,
    what: string,
  ) {
    const allowed = MOVES[move].from;
    super(`cannot ${verbOf(move)} ${what}: it is ${describe(from)}, and ${verbOf(move)} applies only to a release that is ${allowed.map(describe).join(' or ')}`);
  }
}

/** The state after `move`, or a RolloutTransitionError naming both states. */
export function transition(from: RolloutState, move: RolloutMove, what = 'this release'): RolloutState {
  const rule = MOVES[move];
  if (!rule.from.includes(from)) throw new RolloutTransitionError(move, from, what);
  return rule.to;
}

export function allowed(from: RolloutState, move: RolloutMove): boolean {
  return MOVES[move].from.includes(from);
}

function verbOf(move: RolloutMove): string {
  return move === 'rolled_back' ? 'finish rolling back' : move === 'fail' ? 'mark as failed' : move;
}

function describe(state: RolloutState): string {
  return state.replace('_', ' ');
}
