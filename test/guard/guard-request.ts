// A GuardRequest for driving guards directly: the edge's exchange reduced to what guards read,
// with `finish()` standing in for the end of the exchange (runs onDone callbacks once).
import type { IncomingHttpHeaders } from 'node:http';
import type { GuardRequest } from '../../src/guard/guard.js';

export interface TestRequest extends GuardRequest {
  finish(): void;
}

export function guardRequest(clientIp: string, headers: IncomingHttpHeaders = {}, method = 'GET'): TestRequest {
  let callbacks: (() => void)[] | undefined = [];
  return {
    clientIp,
    method,
    headers,
    onDone(callback) {
      if (callbacks === undefined) callback();
      else callbacks.push(callback);
    },
    finish() {
      const pending = callbacks;
      callbacks = undefined;
      for (const callback of pending ?? []) callback();
    },
  };
}
