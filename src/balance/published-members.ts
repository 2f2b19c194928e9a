// Members someone pushes by name: the supervisor publishes each app's ready instances here
// (through the MemberSink it is given), and the app's pool subscribes to the name. A name's
// list outlives the pools bound to it, so a pool re-created by a reload starts complete.
import type { ServerConfig } from '../config/model.js';
import type { MemberSource } from './member-source.js';

export interface MemberSink {
  /** The full member list of `name` now (not a delta). */
  publish(name: string, members: readonly ServerConfig[]): void;
}

class Board implements MemberSource {
  private current: readonly ServerConfig[] = [];
  private readonly listeners = new Set<() => void>();

  members(): readonly ServerConfig[] {
    return this.current;
  }

  subscribe(onChange: () => void): () => void {
    // A wrapper per subscription: the same callback subscribed twice is two subscriptions.
    const listener = () => onChange();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(members: readonly ServerConfig[]): void {
    this.current = members;
    for (const listener of [...this.listeners]) listener();
  }
}

export class PublishedMembers implements MemberSink {
  private readonly boards = new Map<string, Board>();

  publish(name: string, members: readonly ServerConfig[]): void {
    this.board(name).set(members);
  }

  source(name: string): MemberSource {
    return this.board(name);
  }

  private board(name: string): Board {
    let board = this.boards.get(name);
    if (!board) this.boards.set(name, (board = new Board()));
    return board;
  }
}
