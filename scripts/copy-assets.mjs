#!/usr/bin/env node
// tsc compiles TypeScript only; the dashboard's own HTML/CSS/JS files and the config validator
// generated ahead of time (scripts/emit-validator.ts) ship beside it in dist/.
import { cpSync } from 'node:fs';

cpSync('src/control/dashboard', 'dist/control/dashboard', {
  recursive: true,
  filter: (source) => !source.endsWith('.ts'),
});

cpSync('src/config/generated', 'dist/config/generated', {
  recursive: true,
  filter: (source) => !source.endsWith('.d.ts'),
});
