// The member-source seam: a pool's members come from a source it subscribes to (the file's
// servers, the supervisor's ready instances, the registry, later etcd), and follow it live.
// Pools and the edge see only this interface, never which source a pool has.
import type { ServerConfig } from '../config/model.js';

export interface MemberSource {
  /** The members now (same address at most once counts; the pool ignores repeats). */
  members(): readonly ServerConfig[];
  /**
   * Calls `onChange` (synchronously, after the change) whenever members() changed; returns
   * the unsubscribe function. Making a source has no effect until someone subscribes, so a
   * staged reload that is thrown away leaves nothing behind.
   */
  subscribe(onChange: () => void): () => void;
}

export class BalanceError extends Error {
  constructor(
    readonly code: 'WHARF_NO_MEMBER_SOURCE',
    message: string,
  ) {
    super(message);
    this.name = 'BalanceError';
  }
}
