#!/usr/bin/env node
// `npm run mutate [module...]`: StrykerJS over wharf's core modules, one module at a time (each
// against its own test files, see stryker.config.mjs), then the score per module and per file.
// Incremental: results are kept in .stryker/NAME.incremental.json, so a second run only tests
// mutants whose code or covering tests changed. Not part of `npm test` or CI.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { modules } from '../stryker.config.mjs';

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in modules));
if (unknown.length > 0) {
  console.error(`unknown module(s): ${unknown.join(', ')}; one of ${Object.keys(modules).join(', ')}`);
  process.exit(2);
}
const names = wanted.length > 0 ? wanted : Object.keys(modules);

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Killed / (killed + survived), Stryker's "covered and uncovered" score, from its JSON report. */
function tally(report) {
  const perFile = [];
  const total = { detected: 0, undetected: 0, invalid: 0 };
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const counts = { detected: 0, undetected: 0, invalid: 0 };
    for (const { status } of mutants) {
      if (DETECTED.has(status)) counts.detected++;
      else if (UNDETECTED.has(status)) counts.undetected++;
      else counts.invalid++; // CompileError, RuntimeError, Ignored
    }
    perFile.push([file, counts]);
    for (const key of Object.keys(total)) total[key] += counts[key];
  }
  return { perFile, total };
}

const percent = ({ detected, undetected }) => (detected + undetected === 0 ? 'n/a' : `${((100 * detected) / (detected + undetected)).toFixed(1)}%`);

const summary = [];
for (const name of names) {
  console.log(`\n=== mutation testing: ${name} ===`);
  const run = spawnSync(process.execPath, ['node_modules/@stryker-mutator/core/bin/stryker.js', 'run', 'stryker.config.mjs'], {
    stdio: 'inherit',
    env: { ...process.env, WHARF_MUTATE_MODULE: name },
  });
  const reportFile = `reports/mutation/${name}.json`;
  if (run.status !== 0 || !existsSync(reportFile)) {
    summary.push([name, 'failed', `stryker exited with ${run.status ?? run.signal}`]);
    continue;
  }
  const { perFile, total } = tally(JSON.parse(readFileSync(reportFile, 'utf8')));
  for (const [file, counts] of perFile) {
    console.log(`  ${percent(counts).padStart(6)}  ${file}  (${counts.detected} killed, ${counts.undetected} survived)`);
  }
  summary.push([name, percent(total), `${total.detected} killed, ${total.undetected} survived, ${total.invalid} not compiling`]);
}

console.log('\nmodule      score   mutants');
for (const [name, score, detail] of summary) console.log(`${name.padEnd(11)} ${score.padStart(6)}  ${detail}`);
process.exit(summary.some(([, score]) => score === 'failed') ? 1 : 0);
