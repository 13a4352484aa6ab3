// Two `zhub hub --store postgres://…` processes; daemon processes given both URLs stream
// their ledgers while hub A is SIGKILLed: they fail over to hub B and everything they produced
// is stored exactly once. Then `zhub hub --workers 2` serves daemons from two processes.
import { afterAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../proof/support/fleet.js';
import { checkLedgerIn, exact } from '../../proof/support/ledger.js';
import { HubProcess, sleep } from '../../proof/support/processes.js';
import { TestSchema } from './pg-fixture.js';

describe('hub processes sharing PostgreSQL', () => {
  const schema = new TestSchema();
  afterAll(() => schema.drop());

  it('loses nothing when a hub is SIGKILLed while its daemons fail over', async () => {
    const args = ['--store', schema.url];
    const a = await HubProcess.create({ args });
    const b = await HubProcess.create({ args });
    await a.start();
    await b.start();
    const fleet = new Fleet(a, {
      daemons: 3,
      items: 4_000,
      seconds: 6,
      url: `${a.url},${b.url}`,
      name: 'failover',
    });
    try {
      await fleet.producing();
      await sleep(2_000);
      await a.kill('SIGKILL');
      await fleet.finished(120_000);
      const check = await checkLedgerIn(
        await schema.store(),
        fleet.daemons.map((d) => d.entry),
      );
      expect(check).toMatchObject({ missing: 0, duplicates: 0 });
      expect(exact(check)).toBe(true);
      // Every daemon ended on hub B.
      expect(fleet.daemons.every((d) => d.connects.length >= 2)).toBe(true);
    } finally {
      fleet.kill();
      await a.stop();
      await b.stop();
    }
  });

  it('runs N hub workers on one port with --workers', async () => {
    const hub = await HubProcess.create({ args: ['--store', schema.url, '--workers', '2'] });
    await hub.start();
    try {
      // Several connections land on both workers (the primary hands them out in turn).
      await sleep(2_000); // the second worker's start-up
      const workers = new Set<number>();
      for (let i = 0; i < 20 && workers.size < 2; i++) {
        const r = await fetch(`${hub.httpUrl}/api/info`, { headers: { connection: 'close' } });
        const info = (await r.json()) as { worker: number; store: string };
        expect(info.store).toBe('postgres');
        workers.add(info.worker);
      }
      expect([...workers].sort()).toEqual([1, 2]);
      const code = await hub.stop();
      expect(code.code).toBe(0);
    } finally {
      await hub.stop();
    }
  });
});
