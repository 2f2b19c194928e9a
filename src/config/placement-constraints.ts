// Placement constraints in Docker Swarm's syntax: `node.name == web-1`, `node.labels.zone != a`.
// Only the two fields and two operators a wharf node can answer from its own facts are taken;
// anything else is an error, because a constraint we misread would quietly never (or always)
// match and put replicas where the user said they must not go.

export interface NodeFacts {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export type Constraint = {
  readonly field: 'node.name' | `node.labels.${string}`;
  readonly op: '==' | '!=';
  readonly value: string;
};

export class PlacementConstraintError extends Error {
  readonly code = 'WHARF_PLACEMENT_CONSTRAINT';
  constructor(
    readonly constraint: string,
    problem: string,
  ) {
    super(`placement constraint ${JSON.stringify(constraint)}: ${problem}`);
  }
}

const LABEL_PREFIX = 'node.labels.';
// Exactly the keys the config lets a node's labels have, so any label can be constrained.
const LABEL_KEY = /^[A-Za-z0-9_.-]+$/;
// A value is one word: spaces or quotes would mean the user expects a syntax we do not have,
// and another operator character means the text held more than one comparison.
const VALUE = /^[^\s"'=!<>]+$/;

export function parseConstraint(text: string): Constraint {
  // The first == or != splits the text; a second one ends up in the value and is refused there.
  // (No anchors needed: the lazy head and the greedy, dotAll tail span the whole text.)
  const split = /(.*?)(==|!=)(.*)/s.exec(text);
  if (split === null) {
    const problem = text.trim() === '' ? 'empty; expected FIELD == VALUE or FIELD != VALUE' : 'no operator; use == or !=';
    throw new PlacementConstraintError(text, problem);
  }
  const op = split[2] as Constraint['op'];
  const field = parseField(text, split[1]!.trim(), op);
  const value = split[3]!.trim();
  if (value === '') throw new PlacementConstraintError(text, `missing value after ${op}`);
  if (!VALUE.test(value)) {
    throw new PlacementConstraintError(text, `value ${JSON.stringify(value)} must be one word without spaces, quotes or = ! < >`);
  }
  return { field, op, value };
}

function parseField(text: string, field: string, op: string): Constraint['field'] {
  if (field === '') throw new PlacementConstraintError(text, `missing field before ${op}`);
  if (field === 'node.name') return field;
  if (!field.startsWith(LABEL_PREFIX)) {
    throw new PlacementConstraintError(text, `unknown field ${JSON.stringify(field)}; use node.name or node.labels.<key>`);
  }
  const key = field.slice(LABEL_PREFIX.length);
  if (key === '') throw new PlacementConstraintError(text, `missing label key after ${LABEL_PREFIX}`);
  if (!LABEL_KEY.test(key)) {
    throw new PlacementConstraintError(text, `label key ${JSON.stringify(key)} may hold only letters, digits and _ . -`);
  }
  return `${LABEL_PREFIX}${key}`;
}

/** The canonical text of a constraint, as parseConstraint reads it back. */
export function formatConstraint(constraint: Constraint): string {
  return `${constraint.field} ${constraint.op} ${constraint.value}`;
}

/** The node's value for the field; undefined for a label the node does not have. */
function factOf(node: NodeFacts, field: Constraint['field']): string | undefined {
  if (field === 'node.name') return node.name;
  const key = field.slice(LABEL_PREFIX.length);
  // hasOwn: a label named like an Object.prototype member (constructor, toString) is absent
  // unless the node really set it.
  return Object.hasOwn(node.labels, key) ? node.labels[key] : undefined;
}

/** True when the node satisfies every constraint (so also for none). */
export function matches(node: NodeFacts, constraints: readonly Constraint[]): boolean {
  return constraints.every((constraint) => {
    // A missing label equals no value, so it always satisfies != and never ==.
    const equal = factOf(node, constraint.field) === constraint.value;
    return constraint.op === '==' ? equal : !equal;
  });
}
