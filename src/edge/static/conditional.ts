// Validators and conditional requests (RFC 9110 section 13). The ETag follows nginx's shape,
// "hex(mtime)-hex(size)", with mtime in milliseconds so two writes in one second of the same
// length still get different tags. Last-Modified has whole-second precision, so date comparisons
// drop the sub-second part of the file's mtime.
import type { Stats } from 'node:fs';

export interface Validators {
  readonly etag: string;
  readonly lastModified: string;
  /** mtime truncated to whole seconds, as Last-Modified carries it. */
  readonly mtimeSeconds: number;
}

export function validatorsFor(stats: Stats): Validators {
  const mtimeMs = Math.trunc(stats.mtimeMs);
  const mtimeSeconds = Math.floor(mtimeMs / 1000);
  return {
    etag: `"${mtimeMs.toString(16)}-${stats.size.toString(16)}"`,
    lastModified: new Date(mtimeSeconds * 1000).toUTCString(),
    mtimeSeconds,
  };
}

export type ConditionalOutcome = 'proceed' | 'not-modified' | 'precondition-failed';

export interface ConditionalHeaders {
  readonly ifMatch?: string;
  readonly ifUnmodifiedSince?: string;
  readonly ifNoneMatch?: string;
  readonly ifModifiedSince?: string;
}

/** Evaluates the preconditions of a GET/HEAD in the order RFC 9110 section 13.2.2 prescribes. */
export function evaluateConditions(headers: ConditionalHeaders, validators: Validators): ConditionalOutcome {
  if (headers.ifMatch !== undefined) {
    if (!matchesTagList(headers.ifMatch, validators.etag, 'strong')) return 'precondition-failed';
  } else if (headers.ifUnmodifiedSince !== undefined) {
    const since = parseHttpSeconds(headers.ifUnmodifiedSince);
    if (since !== undefined && validators.mtimeSeconds > since) return 'precondition-failed';
  }
  if (headers.ifNoneMatch !== undefined) {
    return matchesTagList(headers.ifNoneMatch, validators.etag, 'weak') ? 'not-modified' : 'proceed';
  }
  if (headers.ifModifiedSince !== undefined) {
    const since = parseHttpSeconds(headers.ifModifiedSince);
    if (since !== undefined && validators.mtimeSeconds <= since) return 'not-modified';
  }
  return 'proceed';
}

/**
 * If-Range: the Range applies only when the validator still names this representation. An ETag
 * must match strongly; a date must equal Last-Modified exactly.
 */
export function ifRangeAllows(ifRange: string | undefined, validators: Validators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return !value.startsWith('W/') && value === validators.etag;
  const date = parseHttpSeconds(value);
  return date !== undefined && date === validators.mtimeSeconds;
}

function matchesTagList(list: string, etag: string, comparison: 'strong' | 'weak'): boolean {
  if (list.trim() === '*') return true;
  const ours = opaque(etag);
  for (const raw of list.split(',')) {
    const tag = raw.trim();
    if (tag === '') continue;
    if (tag.startsWith('W/')) {
      if (comparison === 'weak' && opaque(tag.slice(2)) === ours) return true;
    } else if (opaque(tag) === ours) {
      return true;
    }
  }
  return false;
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

function parseHttpSeconds(text: string): number | undefined {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
