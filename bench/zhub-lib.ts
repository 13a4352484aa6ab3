// What the RPC bench runs of zhub: the built package (dist/, what `npm install zhub` runs)
// when it is there, else the sources (through tsx, which adds a little of its own).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as Zhub from '../index.js';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
export const zhubBuilt = existsSync(dist);
const lib = (zhubBuilt ? await import(dist) : await import('../index.js')) as typeof Zhub;

export const { AddContract, buildHub, connectHub, HubClient, HubService, UserStore, ZHubError } =
  lib;
