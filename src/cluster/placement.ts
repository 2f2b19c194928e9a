// How many instances of each app run on each node: what Docker Swarm's scheduler decides, as a
// pure function of the demands, the live nodes and the current assignment. Every node of the
// cluster may compute it, so it is deterministic: the same input in any order gives the same
// output, names compare by code unit (not by locale), and no tie is left to iteration order.
import { formatConstraint, matches, type Constraint, type NodeFacts } from '../config/placement-constraints.js';

/** app -> node -> instances; a missing entry means none. */
export type Assignment = Readonly<Record<string, Readonly<Record<string, number>>>>;

export interface AppDemand {
  readonly name: string;
  readonly replicas: number;
  readonly constraints: readonly Constraint[];
}

export interface Unplaced {
  readonly app: string;
  readonly missing: number;
  readonly reason: string;
}

export interface PlacementResult {
  readonly assignment: Assignment;
  readonly unplaced: readonly Unplaced[];
}

/** The input cannot be placed deterministically or at all (duplicate names, bad counts). */
export class PlacementInputError extends Error {
  readonly code = 'WHARF_PLACEMENT_INPUT';
}

const byName = (a: string, b: string): number => (a === b ? 0 : a < b ? -1 : 1);

function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  // hasOwn: an app or node called "constructor" must not read Object.prototype.
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function requireUnique(names: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    // Two entries under one name would make the result depend on which came first.
    if (seen.has(name)) throw new PlacementInputError(`${what} ${JSON.stringify(name)} is listed twice`);
    seen.add(name);
  }
}

function requireCount(count: number, what: string): number {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new PlacementInputError(`${what} must be a whole number of instances, 0 or more; got ${count}`);
  }
  return count;
}

interface Plan {
  readonly app: AppDemand;
  /** Live nodes matching every constraint, in name order. */
  readonly eligible: readonly string[];
  /** What runs now on each eligible node; everything else is lost and placed again. */
  readonly kept: ReadonlyMap<string, number>;
}

function planOf(app: AppDemand, nodes: readonly NodeFacts[], current: Assignment): Plan {
  requireCount(app.replicas, `replicas of ${app.name}`);
  const eligible = nodes.filter((node) => matches(node, app.constraints)).map((node) => node.name);
  const running = own(current, app.name) ?? {};
  const kept = new Map<string, number>();
  for (const node of eligible) {
    kept.set(node, requireCount(own(running, node) ?? 0, `the current count of ${app.name} on ${node}`));
  }
  return { app, eligible, kept };
}

function reasonFor(app: AppDemand, liveNodes: number): string {
  if (liveNodes === 0) return 'no live nodes';
  return `no live node matches ${app.constraints.map(formatConstraint).join(' and ')}`;
}

export function place(apps: readonly AppDemand[], liveNodes: readonly NodeFacts[], current: Assignment): PlacementResult {
  const nodes = [...liveNodes].sort((a, b) => byName(a.name, b.name));
  requireUnique(nodes.map((node) => node.name), 'node');
  const sorted = [...apps].sort((a, b) => byName(a.name, b.name));
  requireUnique(sorted.map((app) => app.name), 'app');
  const plans = sorted.map((app) => planOf(app, nodes, current));

  // Instances per node of all apps: final counts of the apps handled so far, kept counts of the
  // rest. Apps later in name order still weigh on their nodes, because they run there now.
  const load = new Map<string, number>(nodes.map((node) => [node.name, 0]));
  const shift = (counts: ReadonlyMap<string, number>, sign: number): void => {
    for (const [node, count] of counts) load.set(node, (load.get(node) ?? 0) + sign * count);
  };
  for (const plan of plans) shift(plan.kept, +1);

  const assignment: [string, Readonly<Record<string, number>>][] = [];
  const unplaced: Unplaced[] = [];
  for (const plan of plans) {
    shift(plan.kept, -1);
    if (plan.app.replicas === 0) continue;
    if (plan.eligible.length === 0) {
      unplaced.push({ app: plan.app.name, missing: plan.app.replicas, reason: reasonFor(plan.app, nodes.length) });
      continue;
    }
    const counts = placeApp(plan, load);
    shift(counts, +1);
    // fromEntries, not assignment: a node named __proto__ stays an ordinary key.
    assignment.push([plan.app.name, Object.fromEntries([...counts].filter(([, count]) => count > 0))]);
  }
  return { assignment: Object.fromEntries(assignment), unplaced };
}

/** One app's counts on its eligible nodes (in name order), given the other apps' load. */
function placeApp(plan: Plan, others: ReadonlyMap<string, number>): Map<string, number> {
  const counts = new Map(plan.kept);
  const mine = (node: string): number => counts.get(node) ?? 0;
  const total = (node: string): number => (others.get(node) ?? 0) + mine(node);
  const bump = (node: string, by: number): void => {
    counts.set(node, mine(node) + by);
  };

  // The node to take one from: the most of this app, then the busiest, then the larger name.
  const shedOrder = (a: string, b: string): number => mine(b) - mine(a) || total(b) - total(a) || byName(b, a);
  // The node to add one to: the least busy, then the fewest of this app, then the smaller name.
  const addOrder = (a: string, b: string): number => total(a) - total(b) || mine(a) - mine(b) || byName(a, b);
  // The node a spread move goes to: the fewest of this app, then the least busy, then the smaller name.
  const receiveOrder = (a: string, b: string): number => mine(a) - mine(b) || total(a) - total(b) || byName(a, b);
  // The orders are total (the name decides last), so the first node is never a matter of luck.
  const first = (order: (a: string, b: string) => number): string => [...plan.eligible].sort(order)[0]!;

  let placed = [...counts.values()].reduce((sum, count) => sum + count, 0);
  for (; placed > plan.app.replicas; placed--) bump(first(shedOrder), -1);
  for (; placed < plan.app.replicas; placed++) bump(first(addOrder), +1);

  // Sticky placement alone would leave a new node empty forever; one move at a time from the
  // fullest to the emptiest until they differ by at most one. Each move lowers the sum of
  // squared counts, so this ends.
  for (;;) {
    const from = first(shedOrder);
    const to = first(receiveOrder);
    if (mine(from) - mine(to) <= 1) break;
    bump(from, -1);
    bump(to, +1);
  }
  return counts;
}

function countIn(assignment: Assignment, app: string, node: string): number {
  return own(own(assignment, app) ?? {}, node) ?? 0;
}

/**
 * Both assignments at once, per app and node the larger count: while an app moves, the new
 * instances start beside the old ones, which stop only once the new are ready.
 */
export function surge(current: Assignment, target: Assignment): Assignment {
  const apps = [...new Set([...Object.keys(current), ...Object.keys(target)])].sort(byName);
  const result: [string, Readonly<Record<string, number>>][] = [];
  for (const app of apps) {
    const nodes = [...new Set([...Object.keys(own(current, app) ?? {}), ...Object.keys(own(target, app) ?? {})])].sort(byName);
    const counts = nodes
      .map((node): [string, number] => [node, Math.max(countIn(current, app, node), countIn(target, app, node))])
      .filter(([, count]) => count > 0);
    if (counts.length > 0) result.push([app, Object.fromEntries(counts)]);
  }
  return Object.fromEntries(result);
}

/** Every non-zero count as one sortable key, so order and zero entries do not matter. */
function countKeys(assignment: Assignment): string[] {
  return Object.entries(assignment)
    .flatMap(([app, counts]) => Object.entries(counts).filter(([, count]) => count !== 0).map(([node, count]) => JSON.stringify([app, node, count])))
    .sort(byName);
}

/** Equal counts everywhere, where a zero count and no entry are the same. */
export function sameAssignment(a: Assignment, b: Assignment): boolean {
  const left = countKeys(a);
  const right = countKeys(b);
  return left.length === right.length && left.every((key, index) => key === right[index]);
}
