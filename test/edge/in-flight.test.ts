// The in-flight list the edge counts and drains requests with: membership, order-free
// iteration that survives removal, and links cleared on removal (what keeps a finished
// request from being held by its neighbours).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InFlightList, type InFlightNode } from '../../src/edge/in-flight.js';

class Node implements InFlightNode {
  prevInFlight: InFlightNode | undefined;
  nextInFlight: InFlightNode | undefined;
  inFlight = false;
  constructor(readonly id: number) {}
}

const ids = (list: InFlightList<Node>) => [...list].map((n) => n.id).sort((a, b) => a - b);

describe('in-flight list', () => {
  test('adds, counts and removes each node once', () => {
    const list = new InFlightList<Node>();
    const nodes = [1, 2, 3, 4].map((id) => new Node(id));
    for (const node of nodes) list.add(node);
    list.add(nodes[0]!);
    assert.equal(list.size, 4);
    assert.equal(list.delete(nodes[1]!), true);
    assert.equal(list.delete(nodes[1]!), false);
    assert.deepEqual(ids(list), [1, 3, 4]);
    assert.equal(list.delete(nodes[3]!), true);
    assert.equal(list.delete(nodes[0]!), true);
    assert.deepEqual(ids(list), [3]);
    assert.equal(list.size, 1);
  });

  test('a removed node keeps no links to the others', () => {
    const list = new InFlightList<Node>();
    const [a, b, c] = [new Node(1), new Node(2), new Node(3)];
    list.add(a);
    list.add(b);
    list.add(c);
    list.delete(b);
    assert.equal(b.prevInFlight, undefined);
    assert.equal(b.nextInFlight, undefined);
    assert.equal(b.inFlight, false);
    assert.deepEqual(ids(list), [1, 3]);
  });

  test('iteration visits every node even when each is removed as it is visited', () => {
    const list = new InFlightList<Node>();
    for (let id = 1; id <= 5; id++) list.add(new Node(id));
    const seen: number[] = [];
    for (const node of list) {
      seen.push(node.id);
      list.delete(node);
    }
    assert.deepEqual(seen.sort((x, y) => x - y), [1, 2, 3, 4, 5]);
    assert.equal(list.size, 0);
    assert.deepEqual([...list], []);
  });

  test('a node can be added again after removal', () => {
    const list = new InFlightList<Node>();
    const node = new Node(7);
    list.add(node);
    list.delete(node);
    list.add(node);
    assert.deepEqual(ids(list), [7]);
  });
});
