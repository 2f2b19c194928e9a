// Bounded waiting for tests on a noisy machine: poll for a condition or retry an operation
// until a deadline, instead of sleeping a guessed time.
import { setTimeout as sleep } from 'node:timers/promises';

export class WaitTimeoutError extends Error {
  readonly code = 'WHARF_TEST_TIMEOUT';
}

/** Retries `attempt` until it resolves; after `timeoutMs` rejects with its last error's message. */
export async function eventually<T>(what: string, attempt: () => Promise<T>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new WaitTimeoutError(`gave up on ${what}: ${(error as Error).message}`);
    }
    await sleep(everyMs);
  }
}

/**
 * Polls `check` until it returns true. Keep assert out of polled code: a failed assert.ok()
 * without a message re-reads and parses the test's source to word its error, which under tsx
 * can spin for tens of seconds while nothing else (a watch's event, say) gets to run.
 */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new WaitTimeoutError(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
