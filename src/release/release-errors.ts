// Errors of the release part, with the HTTP status the control API answers them with.
export class ReleaseError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 409,
  ) {
    super(message);
  }
}

export const unknownRelease = (app: string, number: number) => new ReleaseError('WHARF_UNKNOWN_RELEASE', `${app} has no release #${number}`, 404);
export const unknownApp = (app: string) => new ReleaseError('WHARF_UNKNOWN_APP', `no app named "${app}"`, 404);
