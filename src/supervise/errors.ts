// Supervisor errors carry stable codes: the control API maps them to statuses and the CLI
// prints them, so callers never match on message text.

export type SupervisorErrorCode =
  | 'WHARF_UNKNOWN_APP'
  | 'WHARF_RELOAD_ABORTED'
  | 'WHARF_STATE_DIR_IN_USE'
  | 'WHARF_BAD_TRANSITION'
  | 'WHARF_APPLY_FAILED'
  | 'WHARF_SUPERVISOR_SHUT_DOWN'
  | 'WHARF_INVALID_SCALE';

export class SupervisorError extends Error {
  constructor(
    readonly code: SupervisorErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SupervisorError';
  }
}

export function unknownApp(name: string): SupervisorError {
  return new SupervisorError('WHARF_UNKNOWN_APP', `unknown app ${JSON.stringify(name)}`);
}
