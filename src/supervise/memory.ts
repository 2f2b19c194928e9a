// Resident memory of a process from /proc/PID/status (VmRSS), the number max_memory is
// compared with. Read every few seconds by the app group's sampler.
import { readFileSync } from 'node:fs';

export function readRssBytes(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return match ? Number(match[1]) * 1024 : undefined;
}
