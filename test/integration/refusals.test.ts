import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubDaemon } from '../../daemons/index.js';
import { TELEMETRY_LIMITS } from '../../shared/index.js';
import { runCli } from '../support/cli.js';
import { connectTestClient, startHub, TEST_PASSWORD, TEST_USER } from '../support/hub-fixture.js';

describe('nothing accepted is silently lost', () => {
  let hub: Awaited<ReturnType<typeof startHub>>;
  let base: string;
  const auth = `Basic ${Buffer.from(`${TEST_USER}:${TEST_PASSWORD}`).toString('base64')}`;
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: auth } });
    return { status: res.status, text: await res.text() };
  };
  const json = async (path: string) =>
    JSON.parse((await get(path)).text) as Record<string, unknown>;

  beforeAll(async () => {
    hub = await startHub({
      dataDir: await mkdtemp(join(tmpdir(), 'zhub-refusals-')),
      dataLimits: { maxDeadLetters: 5 },
    });
    base = hub.url.replace(/^ws/, 'http').replace(/\/hub$/, '');
  });
  afterAll(() => hub.close());

  it('an over-long summary handed to sendEvent is truncated, marked, and stored with its whole text', async () => {
    const daemon = new HubDaemon({
      url: hub.url,
      username: TEST_USER,
      password: TEST_PASSWORD,
      type: 'test',
      name: 'long-1',
      dataDir: await mkdtemp(join(tmpdir(), 'zhub-refusals-d-')),
      logger: pino({ level: 'silent' }),
    });
    try {
      daemon.start();
      await daemon.whenReady(10_000);
      const long = 'x'.repeat(1500);
      daemon.sendEvent({ device: 'r1', severity: 4, summary: long });
      expect(await daemon.drain(10_000)).toBe(true);
      const { events } = await hub.zhub.hub.env.store.events.queryEvents({ device: 'r1' });
      expect(events).toHaveLength(1);
      const e = events[0];
      expect(e?.summary).toHaveLength(TELEMETRY_LIMITS.maxSummary);
      expect(e?.summary.endsWith('…')).toBe(true);
      expect(e?.message).toBe(long);
      expect(e?.fields).toMatchObject({ truncated: ['summary'] });
      // What can never be valid throws where the collector hands it over, naming the field.
      expect(() => daemon.sendEvent({ device: 'r1', severity: 7, summary: 'x' })).toThrow(
        expect.objectContaining({
          code: 'HUB_ERR_BAD_ARGUMENT',
          data: expect.objectContaining({ field: 'severity' }),
        }),
      );
      expect(() => daemon.sendEvent({ device: '', severity: 3, summary: 'x' })).toThrow(/device/);
      expect(() =>
        daemon.writeMetrics([
          { device: 'r1', metric: 'ok', value: 1 },
          { device: 'r1', metric: 'bad', value: Number.NaN },
        ]),
      ).toThrow(
        expect.objectContaining({
          code: 'HUB_ERR_BAD_ARGUMENT',
          data: expect.objectContaining({ field: 'value', index: 1 }),
        }),
      );
      expect(await daemon.drain(2_000)).toBe(true);
      expect(daemon.produced.samples).toBe(0); // all or nothing: the valid one was not staged
    } finally {
      await daemon.stop();
    }
  });

  it('what the hub refuses is a dead letter, a counter, a status figure and an event; a resent batch adds nothing', async () => {
    const client = await connectTestClient(hub.url, { name: 'raw-1' });
    try {
      const events = await client.getService('EventService');
      await events.callRemote('getDeliveryMarks');
      const batch = [
        { seq: 1, device: 'r2', severity: 9, summary: 'severity out of range' },
        { seq: 2, device: 'r2', severity: 3, summary: 'fine' },
        { seq: 3, device: 'r2', severity: 3 },
      ];
      const answer = await events.callRemote<{ ack: number; stored: number; rejected: unknown[] }>(
        'sendEvents',
        batch,
      );
      expect(answer.ack).toBe(3);
      expect(answer.stored).toBe(1);
      expect(answer.rejected).toEqual([
        { seq: 1, code: 'bad_severity', reason: expect.stringMatching(/severity/) },
        { seq: 3, code: 'bad_field', reason: expect.stringMatching(/summary/) },
      ]);
      // Sent again (a lost answer): acknowledged again, no second dead letter.
      await events.callRemote('sendEvents', batch);
      const list = (await json('/api/deadletters?daemon=raw-1')) as {
        total: number;
        letters: { id: number; reason: string; seq: number }[];
      };
      expect(list.total).toBe(2);
      expect(list.letters.map((l) => [l.seq, l.reason])).toEqual([
        [3, 'bad_field'],
        [1, 'bad_severity'],
      ]);
      const one = await json(`/api/deadletters/${list.letters[1]?.id}`);
      expect(JSON.parse(one.item as string)).toEqual(batch[0]);
      expect((await get('/api/deadletters/99999')).status).toBe(404);

      const metrics = (await get('/metrics')).text;
      expect(metrics).toMatch(
        /zhub_refused_items_total\{daemon="raw-1",kind="event",reason="bad_severity"\} 1/,
      );
      expect(metrics).toMatch(
        /zhub_refused_items_total\{daemon="raw-1",kind="event",reason="bad_field"\} 1/,
      );
      const status = (await json('/api/status')) as {
        daemons: { daemon: string; refused: number }[];
      };
      expect(status.daemons.find((d) => d.daemon === 'raw-1')?.refused).toBe(2);
      const raised = await hub.zhub.hub.env.store.events.queryEvents({ device: 'raw-1' });
      expect(raised.events.map((e) => [e.eventClass, e.eventKey]).sort()).toEqual([
        ['/App/Zhub/Refused', 'refused:event:bad_field'],
        ['/App/Zhub/Refused', 'refused:event:bad_severity'],
      ]);

      // The CLI lists and shows them.
      const env = { ZHUB_PASSWORD: TEST_PASSWORD };
      const cliList = await runCli(
        ['deadletter', 'list', '--daemon', 'raw-1', '--hub', hub.url, '--user', TEST_USER],
        { env },
      );
      expect(cliList.code).toBe(0);
      expect(cliList.stdout).toMatch(/bad_severity/);
      const cliShow = await runCli(
        ['deadletter', 'show', String(list.letters[1]?.id), '--hub', hub.url, '--user', TEST_USER],
        { env },
      );
      expect(JSON.parse(cliShow.stdout)).toMatchObject({ reason: 'bad_severity', item: batch[0] });

      // The store is bounded: past maxDeadLetters (5 here) the oldest go, and are counted.
      const bad = Array.from({ length: 6 }, (_, i) => ({
        seq: 10 + i,
        device: 'r2',
        severity: 9,
        summary: 'x',
      }));
      await events.callRemote('sendEvents', bad);
      expect(((await json('/api/deadletters')) as { total: number }).total).toBe(5);
      expect((await get('/metrics')).text).toMatch(/zhub_dead_letters_evicted_total 3/);
    } finally {
      client.close();
    }
  });
});
