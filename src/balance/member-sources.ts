// Which source serves which kind of member spec: one table, filled by the composition root.
// The file's servers and the supervisor's published instances are built in; the registry
// (and later etcd) register their kind. A pool whose kind has no source fails its reload.
import type { MemberSpec } from '../config/model.js';
import { BalanceError, type MemberSource } from './member-source.js';
import { PublishedMembers } from './published-members.js';
import { StaticMembers } from './static-members.js';

export type MemberKind = MemberSpec['kind'];
/** Makes the source of one pool (named `pool`) from its spec. */
export type SourceFactory<K extends MemberKind> = (spec: Extract<MemberSpec, { kind: K }>, pool: string) => MemberSource;

export class MemberSources {
  private readonly factories = new Map<MemberKind, (spec: MemberSpec, pool: string) => MemberSource>();

  /** The supervisor's ready instances by pool name (the supervisor is given this as its sink). */
  readonly published = new PublishedMembers();

  constructor() {
    this.register('servers', (spec) => new StaticMembers(spec.servers));
    this.register('supervisor', (_spec, pool) => this.published.source(pool));
  }

  /** Serves `kind` from now on (replacing what served it). */
  register<K extends MemberKind>(kind: K, factory: SourceFactory<K>): void {
    this.factories.set(kind, factory as (spec: MemberSpec, pool: string) => MemberSource);
  }

  create(spec: MemberSpec, pool: string): MemberSource {
    const factory = this.factories.get(spec.kind);
    if (!factory) throw new BalanceError('WHARF_NO_MEMBER_SOURCE', `no member source serves "${spec.kind}" members`);
    return factory(spec, pool);
  }
}

/** Two specs with one key deliver the same members: a reload keeps such a pool's binding. */
export function memberSpecKey(spec: MemberSpec): string {
  return JSON.stringify(spec);
}
