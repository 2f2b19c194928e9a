// Debian's Chromium for browser tests, started as the machine allows (root, no network).
import { existsSync } from 'node:fs';
import { interopRequired } from './backends.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A skip reason when Chromium is missing (or a throw when interop tests are required). */
export function chromiumMissing(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (interopRequired()) throw new Error(`${CHROMIUM} is required (WHARF_REQUIRE_INTEROP is set) but missing`);
  return `${CHROMIUM} is not installed`;
}
