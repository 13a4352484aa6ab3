// Worker lanes with real worker threads: isolation from the loop, identity and pushes, deadlines,
// deaths and recycling, a bounded lane, the store from a worker, and what the hub reports.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { Referenceable } from '../../../shared/index.js';
import type { HubClient } from '../../../daemons/index.js';
import type { HubOptions } from '../../../services/index.js';
import { LaneProbe } from '../../fixtures/lanes/lane-services.js';
import { connectTestClient, startHub } from '../../support/hub-fixture.js';

const dirs: string[] = [];
const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function laneHub(lanes: HubOptions['lanes'] = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'zhub-lanes-'));
  dirs.push(dir);
  const hub = await startHub({ dataDir: dir, services: [LaneProbe], lanes });
  open.push(hub);
  const client: HubClient = await connectTestClient(hub.url, { reconnect: false });
  open.push(client);
  const probe = await client.getService('LaneProbe');
  return { hub, client, probe, dir };
}

const codeOf = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => 'answered',
    (err: { code?: string }) => err.code,
  );

describe('worker lanes', () => {
  it('runs a worker-lane method off the loop: the loop answers while a worker burns CPU', async () => {
    const { probe } = await laneHub();
    const order: string[] = [];
    const hog = probe.callRemote('burn', 600).then((t) => {
      order.push('hog');
      return t;
    });
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 5; i++) expect(await probe.callRemote('quick')).toBe('quick');
    order.push('loop calls');
    const worker = (await hog) as number;
    expect(order).toEqual(['loop calls', 'hog']);
    expect(worker).not.toBe(threadId); // ran in another thread
    expect(worker).toBeGreaterThan(0);
  });

  it("gives the method its caller and pushes to the hub instance's listeners", async () => {
    const { hub } = await laneHub();
    const notes: string[] = [];
    class Listener extends Referenceable {
      remote_note(text: string): string {
        notes.push(text);
        return `got ${text}`;
      }
    }
    const client = await connectTestClient(hub.url, { reconnect: false, name: 'east-1' });
    open.push(client);
    const probe = await client.getService('LaneProbe', { listener: new Listener() });
    const me = await probe.callRemote<{ daemon: string; thread: number }>('whoAmI');
    expect(me.daemon).toBe('east-1');
    expect(me.thread).not.toBe(threadId);
    expect(await probe.callRemote('tell', 'hello')).toEqual(['got hello']);
    expect(notes).toEqual(['hello']);
  });

  it('answers HUB_ERR_TIMEOUT past the deadline and replaces the worker still running it', async () => {
    const { hub, probe } = await laneHub({ threads: 1 });
    expect(await codeOf(probe.callRemote('spin'))).toBe('HUB_ERR_TIMEOUT');
    expect(typeof (await probe.callRemote('thread'))).toBe('number'); // a new worker answers
    const status = hub.zhub.hub.lanesStatus();
    expect(status.restarts.deadline).toBe(1);
    expect(status.lanes.find((l) => l.name === 'other')?.timeouts).toBe(1);
  });

  it('fails a call whose worker dies, and runs an idempotent one again on another worker', async () => {
    const { hub, probe, dir } = await laneHub({ threads: 2 });
    expect(await codeOf(probe.callRemote('die'))).toBe('HUB_ERR_WORKER_DIED');
    expect(typeof (await probe.callRemote('dieOnce', join(dir, 'died-once')))).toBe('number');
    const status = hub.zhub.hub.lanesStatus();
    expect(status.restarts.died).toBe(2);
    expect(status.lanes.find((l) => l.name === 'other')?.retried).toBe(1);
  });

  it('recycles a worker after recycleAfterCalls calls', async () => {
    const { hub, probe } = await laneHub({ threads: 1, recycleAfterCalls: 3 });
    const threads = new Set<unknown>();
    for (let i = 0; i < 7; i++) threads.add(await probe.callRemote('thread'));
    expect(threads.size).toBe(3);
    expect(hub.zhub.hub.lanesStatus().restarts.recycled).toBe(2);
  });

  it('recycles a worker whose heap is past recycleHeapMb after a call', async () => {
    const { hub, probe } = await laneHub({ threads: 1, recycleHeapMb: 1 });
    const first = await probe.callRemote('thread');
    const second = await probe.callRemote('thread');
    expect(second).not.toBe(first);
    expect(hub.zhub.hub.lanesStatus().restarts.recycled).toBeGreaterThanOrEqual(1);
  });

  it('refuses past the lane bound with HUB_ERR_BUSY, and shows the running call', async () => {
    const { hub, probe } = await laneHub({ threads: 1, lanes: { other: { maxQueue: 1 } } });
    const running = probe.callRemote('burn', 500);
    await new Promise((r) => setTimeout(r, 50));
    const queued = probe.callRemote('thread');
    expect(await codeOf(probe.callRemote('thread'))).toBe('HUB_ERR_BUSY');
    const status = hub.zhub.hub.lanesStatus();
    expect(status.workers[0]?.running).toMatchObject({ service: 'LaneProbe', method: 'burn' });
    expect(status.lanes.find((l) => l.name === 'other')).toMatchObject({
      queued: 1,
      running: 1,
      refused: 1,
    });
    await running;
    await queued;
    const metrics = await (
      await fetch(hub.url.replace(/^ws/, 'http').replace(/\/hub$/, '/metrics'))
    ).text();
    expect(metrics).toMatch(/zhub_lane_refused_total\{lane="other"\} 1/);
    expect(metrics).toMatch(/zhub_lane_run_seconds_count\{lane="other",outcome="ok"\} 2/);
  });

  it("reads the store from the worker's own connection; the loop's collaborators are refused", async () => {
    const { probe } = await laneHub();
    expect(await probe.callRemote('collectors')).toContain('localhost');
    expect(await codeOf(probe.callRemote('claim'))).toBe('HUB_ERR_LOOP_ONLY');
  });
});
