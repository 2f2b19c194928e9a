// The requests in progress, as an intrusive doubly linked list instead of a Set.
//
// Why not a Set: every request is added and removed once, so a Set's hash table is rebuilt
// over and over, and V8 keeps each discarded table linked to its successor (for iterators).
// Tables that reached the old generation then keep every later table, and the requests in
// them, alive through young-generation collections: under load nearly every request was
// promoted, scavenges took 4x longer and the proxy lost a quarter of its throughput
// (bench/edge, c=50). Unlinking a node clears its own links, so a finished request is
// referenced by nothing the list owns.

export interface InFlightNode {
  prevInFlight: InFlightNode | undefined;
  nextInFlight: InFlightNode | undefined;
  /** True while the node is in a list. */
  inFlight: boolean;
}

export class InFlightList<T extends InFlightNode> {
  private head: T | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(node: T): void {
    if (node.inFlight) return;
    node.inFlight = true;
    node.prevInFlight = undefined;
    node.nextInFlight = this.head;
    if (this.head) this.head.prevInFlight = node;
    this.head = node;
    this.count++;
  }

  /** False when the node was not in the list. */
  delete(node: T): boolean {
    if (!node.inFlight) return false;
    const { prevInFlight: prev, nextInFlight: next } = node;
    if (prev) prev.nextInFlight = next;
    else this.head = next as T | undefined;
    if (next) next.prevInFlight = prev;
    node.prevInFlight = undefined;
    node.nextInFlight = undefined;
    node.inFlight = false;
    this.count--;
    return true;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    let node = this.head;
    while (node) {
      // Read the successor first: the caller may remove the node it was given.
      const next = node.nextInFlight as T | undefined;
      yield node;
      node = next;
    }
  }
}
