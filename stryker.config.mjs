// Mutation testing of wharf's core (issue 19). Each module is mutated against only the test
// files that cover it, so one run stays bounded on a small machine; `npm run mutate [module...]`
// runs them one after the other (scripts/mutate.mjs) and prints the score per module.
// Not part of `npm test` or CI.

/** Module name -> the source files mutated and the test files run against them. */
export const modules = {
  // balance is split in three (448 mutants were about 2 h at concurrency 1 on the shared machine):
  // the pick algorithms, the peer state they read, and the pool around them. The fastest tests
  // come first: a killed mutant stops its run at the first failing test.
  'balance-pick': {
    mutate: ['src/balance/round-robin.ts', 'src/balance/least-conn.ts'],
    tests: [
      'test/balance/round-robin.test.ts',
      'test/balance/least-conn.test.ts',
      'test/balance/edge-cases.test.ts',
      'test/balance/upstream-pool.test.ts',
      // nginx-differential.test.ts kills pick-order mutants too, but at ~25 s a run it would
      // triple this module's time on the 2-core machine; balance-hash keeps it.
    ],
  },
  'balance-peer': {
    mutate: ['src/balance/peer.ts'],
    tests: [
      'test/balance/peer.test.ts',
      'test/balance/round-robin.test.ts',
      'test/balance/least-conn.test.ts',
      'test/balance/edge-cases.test.ts',
      'test/balance/upstream-pool.test.ts',
    ],
  },
  'balance-pool': {
    mutate: ['src/balance/upstream-pool.ts', 'src/balance/wait-queue.ts'],
    tests: [
      'test/balance/upstream-pool.test.ts',
      'test/balance/edge-cases.test.ts',
      'test/balance/round-robin.test.ts',
      'test/balance/least-conn.test.ts',
      'test/balance/least-time.test.ts',
    ],
  },
  'balance-hash': {
    mutate: ['src/balance/ip-hash.ts', 'src/balance/consistent-hash.ts', 'src/balance/hash-key.ts', 'src/balance/least-time.ts', 'src/balance/random-two.ts'],
    tests: [
      'test/balance/ip-hash.test.ts',
      'test/balance/consistent-hash.test.ts',
      'test/balance/hash-key.test.ts',
      'test/balance/least-time.test.ts',
      'test/balance/random-two.test.ts',
      'test/balance/edge-cases.test.ts',
      'test/balance/nginx-differential.test.ts',
    ],
  },
  guard: {
    mutate: [
      'src/guard/limit-req.ts',
      'src/guard/bucket-table.ts',
      'src/guard/limit-conn.ts',
      'src/guard/limit-rate.ts',
      'src/guard/body-size.ts',
      'src/guard/chain.ts',
    ],
    tests: [
      'test/guard/limit-req.test.ts',
      'test/guard/limit-conn.test.ts',
      'test/guard/limit-rate.test.ts',
      'test/guard/body-size.test.ts',
      'test/guard/chain.test.ts',
    ],
  },
  access: {
    mutate: ['src/guard/access.ts', 'src/guard/ip-bits.ts'],
    tests: ['test/guard/access.test.ts', 'test/guard/chain.test.ts'],
  },
  auth: {
    mutate: ['src/guard/basic-auth.ts', 'src/guard/htpasswd.ts'],
    tests: ['test/guard/basic-auth.test.ts', 'test/guard/htpasswd.test.ts'],
  },
  edge: {
    mutate: ['src/edge/headers.ts', 'src/edge/static/request-path.ts', 'src/edge/static/resolve-path.ts'],
    // The unit tests and the static handler's own server; the end-to-end proxy-headers and
    // path-normalization tests (a whole wharf each) cover the same code at many times the cost.
    tests: [
      'test/edge/headers.test.ts',
      'test/edge/static/request-path.test.ts',
      'test/edge/static/resolve-path.test.ts',
      'test/edge/static/traversal.test.ts',
      'test/edge/static/static-files.test.ts',
      'test/edge/static/precompressed.test.ts',
    ],
  },
  supervise: {
    mutate: ['src/supervise/backoff.ts', 'src/supervise/crash-loop.ts', 'src/supervise/rolling-reload.ts'],
    tests: ['test/supervise/restart-policy-units.test.ts', 'test/supervise/rolling-reload.test.ts', 'test/supervise/rolling-reload.e2e.test.ts'],
  },
  // The registry's health checks: the pass/fail streak and the check schedule.
  checks: {
    mutate: ['src/checks/streak.ts', 'src/checks/check-loop.ts'],
    tests: ['test/checks/streak.test.ts', 'test/checks/check-loop.test.ts'],
  },
  // The release rollout state machine (the one table of allowed moves).
  rollout: {
    mutate: ['src/release/rollout-machine.ts'],
    tests: ['test/release/rollout-machine.test.ts'],
  },
  // Cluster placement: the pure assignment of replicas to nodes and its constraint language.
  placement: {
    mutate: ['src/cluster/placement.ts', 'src/config/placement-constraints.ts'],
    tests: ['test/cluster/placement.test.ts', 'test/config/placement-constraints.test.ts'],
  },
};

/**
 * One entry file per module imports all of its test files, so a mutant costs one Node process
 * rather than one per test file (start-up dominates on a loaded machine). scripts/mutate.mjs
 * writes it with a digest of the test files in it: any test change is a changed test for
 * Stryker's incremental mode, which only knows the entry file.
 */
export const entryFile = (name) => `test/mutation-entries/${name}.ts`;

const name = process.env.WHARF_MUTATE_MODULE ?? Object.keys(modules)[0];
const module = modules[name];
if (!module) throw new Error(`unknown mutation module ${name}; one of ${Object.keys(modules).join(', ')}`);
/**
 * `npm run mutate -- --survivors NAME`: only these ranges ("file:line-line", the last run's
 * survivors) are mutated, outside incremental mode and into a report of their own that
 * scripts/mutate.mjs merges back into the module's report.
 */
const only = process.env.WHARF_MUTATE_ONLY ? JSON.parse(process.env.WHARF_MUTATE_ONLY) : undefined;
const report = only ? `${name}.survivors` : name;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  tap: {
    testFiles: [entryFile(name)],
    // The TAP runner spawns `node` per test file: tsx compiles the (instrumented) TypeScript.
    nodeArgs: ['--test-reporter=tap', '-r', '{{hookFile}}', '--import', 'tsx', '{{testFile}}'],
    forceBail: true,
  },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: only ?? module.mutate,
  coverageAnalysis: 'perTest',
  // The machine is small and shared: one test process at a time unless WHARF_MUTATE_CONCURRENCY says otherwise.
  concurrency: Number(process.env.WHARF_MUTATE_CONCURRENCY ?? 1),
  timeoutMS: 10_000,
  timeoutFactor: 2,
  incremental: !only,
  incrementalFile: `.stryker/${name}.incremental.json`,
  ignorePatterns: ['dist', 'bench', '.bench-out', 'logs', 'reports', '.stryker', 'examples/**/node_modules'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  reporters: ['progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${report}.json` },
  htmlReporter: { fileName: `reports/mutation/${report}.html` },
  thresholds: { high: 90, low: 85, break: null },
};
