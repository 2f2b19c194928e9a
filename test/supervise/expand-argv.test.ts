import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandArgv } from '../../src/supervise/expand-argv.js';

test('an app command gets its instance port and index where it names them', () => {
  const values = { PORT: '41000', WHARF_INSTANCE: '2', WHARF_APP: 'books' };
  assert.deepEqual(expandArgv(['./server', '--port', '$PORT', '--listen=127.0.0.1:${PORT}', '--id=${WHARF_APP}-$WHARF_INSTANCE'], values), [
    './server', '--port', '41000', '--listen=127.0.0.1:41000', '--id=books-2',
  ]);
});

test('other dollar signs are left as the user wrote them', () => {
  assert.deepEqual(expandArgv(['echo', '$HOME', '$PORTABLE', 'cost: $5'], { PORT: '1', WHARF_INSTANCE: '0', WHARF_APP: 'a' }), ['echo', '$HOME', '$PORTABLE', 'cost: $5']);
});
