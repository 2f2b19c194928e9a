// Errors raised while building guards from a config; a reload that hits one is rejected and
// the running config keeps serving.
export type GuardErrorCode = 'WHARF_ACCESS_RULE_INVALID' | 'WHARF_HTPASSWD_UNREADABLE' | 'WHARF_HTPASSWD_FORMAT';

export class GuardConfigError extends Error {
  constructor(
    readonly code: GuardErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'GuardConfigError';
  }
}
