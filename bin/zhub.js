#!/usr/bin/env node
// The zhub command. An installed package runs its built JavaScript (dist/, made by
// `npm run build`, which `npm pack` and `npm install` in a checkout run). A checkout runs its
// TypeScript sources through tsx (a development dependency), so what runs is always what is
// there, built or not.
import { existsSync } from 'node:fs';

const sources = new URL('./cli.ts', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import(new URL('../dist/bin/cli.js', import.meta.url).href);
}
