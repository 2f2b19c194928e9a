// API registrations survive a restart in state_dir, as Consul's agent keeps its local
// services: one JSON file in the register endpoint's own form, replaced atomically (write a
// temporary file, then rename) after every change of definitions. Check states are not kept:
// restored checks start critical until they pass. Supervisor entries are never written.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { Registry } from './registry.js';
import type { ServiceDefinition } from './types.js';
import { RegistryError } from './errors.js';
import { parseRegistration } from './consul-registration.js';
import { registrationJson } from './consul-views.js';
import { isObject } from './consul-json.js';

export const STATE_FILE = 'registry.json';
const FORMAT = 1;

export interface RestoredState {
  readonly index: number;
  readonly services: readonly ServiceDefinition[];
}

export class RegistryStore {
  readonly file: string;
  private savedVersion = -1;
  private writing: Promise<void> | undefined;
  private again = false;
  private unsubscribe: (() => void) | undefined;
  private registry: Registry | undefined;

  constructor(stateDir: string, private readonly onError: (error: Error) => void = () => {}) {
    this.file = join(stateDir, STATE_FILE);
  }

  /** The saved registrations, their checks critical; nothing saved yet: none. */
  load(): RestoredState {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { index: 0, services: [] };
      throw new RegistryError('WHARF_REGISTRY_STATE', `cannot read ${this.file}: ${(error as Error).message}`);
    }
    try {
      const saved: unknown = JSON.parse(text);
      if (!isObject(saved) || saved.format !== FORMAT || !Array.isArray(saved.services) || typeof saved.index !== 'number') throw new Error('not a wharf registry state file');
      const services = saved.services.map((raw) => {
        const definition = parseRegistration(raw);
        return { ...definition, checks: definition.checks.map((check) => ({ ...check, initialStatus: 'critical' as const })) };
      });
      return { index: saved.index, services };
    } catch (error) {
      throw new RegistryError('WHARF_REGISTRY_STATE', `${this.file} is damaged (${(error as Error).message}); move it away to start with an empty registry`);
    }
  }

  /** Saves whenever the registry's definitions change. */
  watch(registry: Registry): void {
    this.registry = registry;
    this.savedVersion = registry.definitionsVersion;
    this.unsubscribe = registry.subscribe(() => {
      if (registry.definitionsVersion !== this.savedVersion) this.schedule();
    });
  }

  /** Pending writes finished, then one last write with the current index. */
  async close(): Promise<void> {
    this.unsubscribe?.();
    while (this.writing) await this.writing;
    const registry = this.registry;
    if (!registry) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, this.serialize(registry));
    renameSync(temporary, this.file);
  }

  /** Resolves once everything changed so far is on disk (tests, shutdown). */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private schedule(): void {
    if (this.writing) {
      this.again = true;
      return;
    }
    this.writing = this.write().finally(() => {
      this.writing = undefined;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    });
  }

  private async write(): Promise<void> {
    const registry = this.registry!;
    // Coalesces a burst of registrations into one write.
    await new Promise((resolve) => setImmediate(resolve));
    const version = registry.definitionsVersion;
    try {
      await writeFileAtomic(this.file, this.serialize(registry));
      this.savedVersion = version;
    } catch (error) {
      this.onError(error as Error);
    }
  }

  private serialize(registry: Registry): string {
    return JSON.stringify({ format: FORMAT, index: registry.index, services: registry.apiDefinitions().map(registrationJson) });
  }
}
