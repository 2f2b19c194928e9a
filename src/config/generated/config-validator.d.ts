// Types for the generated config-validator.js (scripts/emit-validator.ts); written by hand, as
// the generated code is plain JavaScript.
import type { ErrorObject } from 'ajv';

export interface ConfigValidate {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export const validate: ConfigValidate;
export default validate;
/** The keys an app may have (AppSchema). */
export const appKeys: readonly string[];
/** The keys an upstream may have (UpstreamSchema). */
export const upstreamKeys: readonly string[];
