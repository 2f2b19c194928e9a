// The servers listed in the config file: members that never change while bound (a reload
// that edits them binds a new source).
import type { ServerConfig } from '../config/model.js';
import type { MemberSource } from './member-source.js';

const NOTHING = () => {};

export class StaticMembers implements MemberSource {
  constructor(private readonly servers: readonly ServerConfig[]) {}

  members(): readonly ServerConfig[] {
    return this.servers;
  }

  subscribe(): () => void {
    return NOTHING;
  }
}
