// The small pieces every part of the config schema is built from, kept in one place so a
// duration or an address reads (and is documented) the same under every key.
import { Type, type TSchema } from '@sinclair/typebox';
import { DURATION_PATTERN, RATE_PATTERN, SIZE_PATTERN } from './units.js';

export const Strict = { additionalProperties: false } as const;
const DURATION_TEXT = 'a duration: 500ms, 10s, 1m (a plain number is seconds)';
export const Duration = Type.Union([Type.String({ pattern: DURATION_PATTERN, description: DURATION_TEXT }), Type.Number({ minimum: 0 })], {
  description: DURATION_TEXT,
});
const SIZE_TEXT = 'a size: 512k, 256MB (a plain number is bytes)';
export const Size = Type.Union([Type.String({ pattern: SIZE_PATTERN, description: SIZE_TEXT }), Type.Integer({ minimum: 0 })], {
  description: SIZE_TEXT,
});
export const Rate = Type.String({ pattern: RATE_PATTERN, description: 'a rate: 10r/s, 600r/m' });
export const Address = Type.String({ minLength: 1, description: 'host:port, [v6]:port or :port' });
export const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
