#!/usr/bin/env node
// The zhub command. zhub ships TypeScript sources; tsx compiles them on load.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
