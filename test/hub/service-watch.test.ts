import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { connectHub, type HubClient } from '../../daemons/index.js';
import { UserStore, type ZHub } from '../../hub/index.js';
import { buildHub } from '../../services/index.js';
import { Referenceable } from '../../shared/index.js';
import { eventually } from '../support/until.js';

const hubModule = pathToFileURL(resolve('hub/index.ts')).href;

/** A service module as an author edits it: `version` answers `v`. */
function serviceSource(v: number): string {
  return [
    `import { HubService } from '${hubModule}';`,
    'export class WatchedService extends HubService {',
    `  remote_version() { return ${v}; }`,
    '  remote_listenerCount() { return this.listeners.length; }',
    '  close() { globalThis.__watchedClosed = (globalThis.__watchedClosed ?? 0) + 1; }',
    '}',
    '',
  ].join('\n');
}

class Listener extends Referenceable {
  remote_hello(): string {
    return 'hi';
  }
}

describe('zhub hub --services DIR --watch', () => {
  let dir: string | undefined;
  let zhub: ZHub | undefined;
  let client: HubClient | undefined;
  afterEach(async () => {
    client?.close();
    await zhub?.close(0);
    if (dir) await rm(dir, { recursive: true, force: true });
    client = zhub = dir = undefined;
  });

  it('reloads a changed module: references go dead, daemons get the new service on the same connection; a broken one leaves the old serving', async () => {
    dir = await mkdtemp(join(tmpdir(), 'zhub-watch-'));
    const file = join(dir, 'watched.mjs');
    await writeFile(file, serviceSource(1));
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    const users = new UserStore();
    await users.set('u', 'password-1');
    zhub = await buildHub({ users, logger, servicesDirs: [dir], watchServices: true });
    const address = await zhub.app.listen({ port: 0, host: '127.0.0.1' });
    client = await connectHub({
      url: `${address.replace(/^http/, 'ws')}/hub`,
      username: 'u',
      password: 'password-1',
    });
    let connects = 0;
    client.on('connect', () => connects++);
    const svc = await client.getService('WatchedService', { listener: new Listener() });
    const drops: number[] = [];
    svc.notifyOnDisconnect(() => drops.push(1));
    expect(await svc.callRemote('version')).toBe(1);
    expect(connects).toBe(1); // the first connection (told right after connectHub resolved)

    await writeFile(file, serviceSource(2));
    let version: unknown;
    await eventually(() => {
      svc.callRemote('version').then(
        (v) => (version = v),
        () => undefined,
      );
      return version === 2;
    });
    expect(drops.length).toBeGreaterThanOrEqual(1); // the old reference died, PB's way
    expect(connects).toBe(1); // on the same connection: no reconnect
    expect(await svc.callRemote('listenerCount')).toBe(1); // the listener came along
    expect((globalThis as { __watchedClosed?: number }).__watchedClosed).toBe(1);
    expect(lines.some((l) => l.includes('service module reloaded'))).toBe(true);

    await writeFile(file, 'export class WatchedService {\n  remote_version( {\n}\n');
    await eventually(() => lines.some((l) => l.includes('service module not reloaded')));
    // (Node names the file and line of a syntax error; under this test runner its transform says it.)
    expect(lines.find((l) => l.includes('service module not reloaded'))).toMatch(
      /watched\.mjs.*(syntax|parse)/,
    );
    expect(await svc.callRemote('version')).toBe(2);
  });
});
