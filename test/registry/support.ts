// Shared by the registry tests.
import { setTimeout as sleep } from 'node:timers/promises';

/** Retries an assertion until it holds (generous deadline: the machine is shared). */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 15_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(everyMs);
    }
  }
}

/** fetch with the response body read as text. */
export async function request(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string; json(): any }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}
