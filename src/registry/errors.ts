// Registry errors carry stable codes; the Consul API maps them to statuses.

export type RegistryErrorCode =
  | 'WHARF_REGISTRY_FULL'
  | 'WHARF_REGISTRY_CONFLICT'
  | 'WHARF_REGISTRY_BAD_REGISTRATION'
  | 'WHARF_REGISTRY_UNKNOWN_CHECK'
  | 'WHARF_REGISTRY_STATE';

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RegistryError';
  }
}
