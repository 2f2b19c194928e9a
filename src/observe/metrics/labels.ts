// Label values must stay few: a raw method, path or client address as a label would let any
// client create series without bound. Everything here maps to a small fixed set or a name
// from the config.

/** The label value for "not applicable": no route matched, or no upstream (static, redirect). */
export const NONE = '-';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE']);

export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'OTHER';
}

const CLASSES = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

export function statusClass(status: number): string {
  const hundreds = Math.floor(status / 100);
  return hundreds >= 1 && hundreds <= 5 ? CLASSES[hundreds]! : 'other';
}

export function nameLabel(name: string): string {
  return name === '' ? NONE : name;
}
