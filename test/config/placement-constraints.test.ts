// Placement constraints: Docker Swarm's syntax for node.name and node.labels, == and != only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatConstraint,
  matches,
  parseConstraint,
  PlacementConstraintError,
  type NodeFacts,
} from '../../src/config/placement-constraints.js';

const rejects = (text: string, problem: RegExp): void => {
  assert.throws(
    () => parseConstraint(text),
    (error: unknown) => {
      assert.ok(error instanceof PlacementConstraintError, `${text}: ${String(error)}`);
      assert.equal(error.code, 'WHARF_PLACEMENT_CONSTRAINT');
      assert.equal(error.constraint, text);
      assert.ok(error.message.startsWith(`placement constraint ${JSON.stringify(text)}: `), error.message);
      assert.match(error.message, problem);
      return true;
    },
  );
};

test('the four forms parse, with or without spaces around the operator', () => {
  assert.deepEqual(parseConstraint('node.name == web-1'), { field: 'node.name', op: '==', value: 'web-1' });
  assert.deepEqual(parseConstraint('node.name!=web-1'), { field: 'node.name', op: '!=', value: 'web-1' });
  assert.deepEqual(parseConstraint('node.labels.zone==a'), { field: 'node.labels.zone', op: '==', value: 'a' });
  assert.deepEqual(parseConstraint('node.labels.zone != a'), { field: 'node.labels.zone', op: '!=', value: 'a' });
  assert.deepEqual(parseConstraint('  node.name\t==  web-1 '), { field: 'node.name', op: '==', value: 'web-1' });
});

test('a trailing newline (a YAML block scalar) is only whitespace', () => {
  assert.deepEqual(parseConstraint('node.name == web-1\n'), { field: 'node.name', op: '==', value: 'web-1' });
  assert.deepEqual(parseConstraint('node.name ==\nweb-1'), { field: 'node.name', op: '==', value: 'web-1' });
});

test('label keys and values as Docker writes them', () => {
  assert.deepEqual(parseConstraint('node.labels.com.example.zone == eu-west-1a'), {
    field: 'node.labels.com.example.zone',
    op: '==',
    value: 'eu-west-1a',
  });
  assert.deepEqual(parseConstraint('node.labels._tier != db:primary/2.x'), { field: 'node.labels._tier', op: '!=', value: 'db:primary/2.x' });
  // Any key a node's labels may have: the config allows these characters, leading ones included.
  assert.deepEqual(parseConstraint('node.labels.-x.9 == 9'), { field: 'node.labels.-x.9', op: '==', value: '9' });
});

test('empty text or no == / != operator', () => {
  rejects('', /: empty; expected FIELD == VALUE or FIELD != VALUE$/);
  rejects('   ', /: empty;/);
  rejects('node.name = web-1', /: no operator; use == or !=$/);
  rejects('node.name > web-1', /: no operator/);
  rejects('node.name <= web-1', /: no operator/);
  rejects('node.name', /: no operator/);
});

test('unknown fields, including other Swarm fields and other spellings', () => {
  rejects('node.role == manager', /: unknown field "node\.role"; use node\.name or node\.labels\.<key>$/);
  rejects('node.hostname == web-1', /unknown field "node\.hostname"/);
  rejects('engine.labels.os == linux', /unknown field "engine\.labels\.os"/);
  rejects('Node.Name == web-1', /unknown field "Node\.Name"/);
  rejects('node.labels == a', /unknown field "node\.labels"/);
  rejects('xnode.labels.zone == a', /unknown field "xnode\.labels\.zone"/);
  // The field is judged before the value: the first thing wrong is named.
  rejects('node.role ==', /unknown field "node\.role"/);
});

test('a missing field, label key or value', () => {
  rejects('== web-1', /: missing field before ==$/);
  rejects(' != web-1', /: missing field before !=$/);
  rejects('node.labels. == a', /: missing label key after node\.labels\.$/);
  rejects('node.name ==', /: missing value after ==$/);
  rejects('node.labels.zone !=   ', /: missing value after !=$/);
});

test('a label key with characters a node label may not have', () => {
  rejects('node.labels.my zone == a', /: label key "my zone" may hold only letters, digits and _ \. -$/);
  rejects('node.labels.topology.kubernetes.io/zone == a', /label key "topology\.kubernetes\.io\/zone"/);
  rejects('node.labels.zone$ == a', /label key "zone\$"/);
  rejects('node.labels.$zone == a', /label key "\$zone"/);
});

test('a value that is not one word: spaces, quotes, a second operator', () => {
  rejects('node.name == web 1', /: value "web 1" must be one word without spaces, quotes or = ! < >$/);
  rejects('node.name == "web-1"', /value "\\"web-1\\""/);
  rejects("node.name == 'web-1", /value "'web-1"/);
  rejects('node.name == web-1"', /value "web-1\\""/);
  rejects('node.name === web-1', /value "= web-1"/);
  rejects('node.name !== web-1', /value "= web-1"/);
  // The first operator splits: the rest is a (bad) value, not a (bad) field.
  rejects('node.name == a == b', /value "a == b"/);
  rejects('node.name == a!', /value "a!"/);
  rejects('node.name == <a>', /value "<a>"/);
});

test('formatConstraint writes the canonical text, which parses back to the same constraint', () => {
  const constraint = parseConstraint('node.labels.zone!=a');
  assert.equal(formatConstraint(constraint), 'node.labels.zone != a');
  assert.deepEqual(parseConstraint(formatConstraint(constraint)), constraint);
  assert.equal(formatConstraint(parseConstraint(' node.name==web-1 ')), 'node.name == web-1');
});

const web1: NodeFacts = { name: 'web-1', labels: { zone: 'a', disk: 'ssd' } };
const web2: NodeFacts = { name: 'web-2', labels: { zone: 'b' } };
const c = (text: string) => parseConstraint(text);

test('node.name == and != compare the whole name, case included', () => {
  assert.equal(matches(web1, [c('node.name == web-1')]), true);
  assert.equal(matches(web2, [c('node.name == web-1')]), false);
  assert.equal(matches(web1, [c('node.name == WEB-1')]), false);
  assert.equal(matches(web1, [c('node.name == web')]), false);
  assert.equal(matches(web1, [c('node.name != web-1')]), false);
  assert.equal(matches(web2, [c('node.name != web-1')]), true);
});

test('a label equals its value exactly; a missing label never equals and always differs', () => {
  assert.equal(matches(web1, [c('node.labels.zone == a')]), true);
  assert.equal(matches(web2, [c('node.labels.zone == a')]), false);
  assert.equal(matches(web1, [c('node.labels.zone == A')]), false);
  assert.equal(matches(web1, [c('node.labels.zone != a')]), false);
  assert.equal(matches(web2, [c('node.labels.zone != a')]), true);
  assert.equal(matches(web2, [c('node.labels.disk == ssd')]), false);
  assert.equal(matches(web2, [c('node.labels.disk != ssd')]), true);
  // Another label holding the value is not this label.
  assert.equal(matches(web1, [c('node.labels.zon == a')]), false);
  assert.equal(matches(web1, [c('node.labels.zone2 != a')]), true);
});

test('a label named like an Object member is missing unless the node set it', () => {
  const bare: NodeFacts = { name: 'bare', labels: {} };
  assert.equal(matches(bare, [c('node.labels.constructor != x')]), true);
  assert.equal(matches(bare, [c('node.labels.toString == x')]), false);
  const odd: NodeFacts = { name: 'odd', labels: { constructor: 'x' } };
  assert.equal(matches(odd, [c('node.labels.constructor == x')]), true);
});

test('every constraint must hold; none at all matches every node', () => {
  assert.equal(matches(web1, []), true);
  assert.equal(matches(web1, [c('node.labels.zone == a'), c('node.labels.disk == ssd')]), true);
  assert.equal(matches(web1, [c('node.labels.zone == a'), c('node.labels.disk == hdd')]), false);
  assert.equal(matches(web1, [c('node.labels.disk == hdd'), c('node.labels.zone == a')]), false);
  assert.equal(matches(web1, [c('node.labels.zone == a'), c('node.name != web-1')]), false);
  assert.equal(matches(web2, [c('node.labels.zone == b'), c('node.name != web-1')]), true);
});
