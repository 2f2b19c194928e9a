#!/usr/bin/env node
// tsc compiles TypeScript only; the dashboard's own HTML/CSS/JS files ship beside it in dist/.
import { cpSync } from 'node:fs';

cpSync('src/control/dashboard', 'dist/control/dashboard', {
  recursive: true,
  filter: (source) => !source.endsWith('.ts'),
});
