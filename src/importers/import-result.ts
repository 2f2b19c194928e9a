// What every importer returns, and the errors `wharf import` can report.

export interface ImportResult {
  /** wharf YAML, with a header naming the source and `# untranslated:` comments. */
  readonly yaml: string;
  /** One entry per source setting that has no wharf equivalent: "FILE:LINE: directive — why". */
  readonly untranslated: string[];
}

export type ImportErrorCode = 'WHARF_IMPORT_UNKNOWN_FORMAT' | 'WHARF_IMPORT_UNREADABLE' | 'WHARF_IMPORT_SYNTAX';

export class ImportError extends Error {
  constructor(
    readonly code: ImportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ImportError';
  }
}
