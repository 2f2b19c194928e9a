// allow/deny rules, nginx semantics: checked in order, the first rule matching the client
// decides; a client no rule matches is allowed.
import type { Guard, GuardRequest, Verdict } from './guard.js';
import { GuardConfigError } from './errors.js';
import { inNetwork, parseIpInto, parseNetwork, type Network } from './ip-bits.js';
import { ACCESS_DENIED } from './rejections.js';

interface AccessRule {
  readonly allow: boolean;
  /** undefined = `all`. */
  readonly network: Network | undefined;
}

export function parseAccessRule(text: string): AccessRule {
  const match = /^\s*(allow|deny)\s+(\S+)\s*$/.exec(text);
  const target = match?.[2];
  if (!match || target === undefined) throw new GuardConfigError('WHARF_ACCESS_RULE_INVALID', `access rule ${JSON.stringify(text)} is not "allow|deny ADDRESS|CIDR|all"`);
  const allow = match[1] === 'allow';
  if (target === 'all') return { allow, network: undefined };
  const network = parseNetwork(target);
  if (!network) throw new GuardConfigError('WHARF_ACCESS_RULE_INVALID', `access rule ${JSON.stringify(text)}: invalid address or CIDR ${JSON.stringify(target)}`);
  return { allow, network };
}

export class AccessGuard implements Guard {
  readonly name = 'access';
  private readonly rules: readonly AccessRule[];
  /** Parse buffer for the client address; admit is synchronous, so one per guard suffices. */
  private readonly words = new Uint32Array(4);

  constructor(rules: readonly string[]) {
    this.rules = rules.map(parseAccessRule);
  }

  admit(request: GuardRequest): Verdict {
    return this.allows(request.clientIp) ? undefined : ACCESS_DENIED;
  }

  allows(clientIp: string): boolean {
    const family = parseIpInto(clientIp, this.words);
    for (const rule of this.rules) {
      if (rule.network === undefined || inNetwork(rule.network, family, this.words)) return rule.allow;
    }
    return true;
  }
}
