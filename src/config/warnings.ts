// Problems that let a config load but that an operator should hear about: `wharf check`
// prints them, `wharf up` logs them once.
import type { RawConfig } from './schema.js';
import type { Diagnostic } from './diagnostics.js';
import type { ConfigSource } from './source.js';
import { isLoopback, parseAddress } from '../net/address.js';

export function configWarnings(config: RawConfig, source: ConfigSource): Diagnostic[] {
  const out: Diagnostic[] = [];
  const control = config.control;
  const address = control?.address === undefined ? undefined : parseAddress(control.address, '127.0.0.1');
  if (address && !isLoopback(address.host) && !control?.tls) {
    out.push(
      source.diagnostic(
        ['control', 'address'],
        `the control API on ${control!.address} is reachable from the network without TLS: its token and application logs travel in clear text; set control.tls`,
      ),
    );
  }
  return out;
}
