import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../../../shared/index.js';
import type { ModelChanges } from '../../model/model-changes.js';
import type { PgModel } from './pg-model.js';
import type { PgTemplates } from './pg-templates.js';

/** Longest wait between attempts to get the notification connection back. */
const RECONNECT_MAX_MS = 5_000;
/**
 * Tombstones are kept this long: a hub catches up on removals from them after a lost
 * notification connection (a hub that restarts starts from the current generations).
 */
const TOMBSTONE_KEEP_MS = 7 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Model changes across hubs through PostgreSQL LISTEN/NOTIFY. A change committed on this hub
 * is announced with a NOTIFY whose payload carries only collector names and generations; every
 * other hub reads what changed since the generation it knew (`changesSince`: devices written,
 * tombstones of devices gone) and publishes it to its own listening daemons. A hub that lost
 * its notification connection reconnects and compares every collector's generation, so no
 * change is missed, only delayed.
 */
export class PgModelSync {
  readonly hubId = randomUUID();
  /** Generations this hub has published, per collector. */
  private readonly known = new Map<string, number>();
  private listener: pg.Client | undefined;
  private closed = false;
  private retryMs = 200;
  private retryTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private unobserve: () => void = () => undefined;
  private unobserveTemplates: () => void = () => undefined;
  /** Serialises catch-ups so two notifications for one collector are read once. */
  private queue: Promise<void> = Promise.resolve();
  readonly stats = { notified: 0, received: 0, relayed: 0, resyncs: 0 };

  constructor(
    private readonly pool: pg.Pool,
    private readonly connect: () => pg.Client,
    private readonly model: PgModel,
    private readonly changes: ModelChanges,
    private readonly channel: string,
    private readonly templates: PgTemplates,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    for (const [name, gen] of await this.model.generations()) this.known.set(name, gen);
    this.unobserve = this.changes.observe((changes) => {
      const payload = changes.map((c) => [c.collector, c.generation] as const);
      for (const [name, gen] of payload) {
        // A gap means another hub changed this collector in between and its notice is still
        // on the way: read the gap now (the notice, when it comes, is then already known).
        if (gen === (this.known.get(name) ?? 0) + 1) this.raise(name, gen);
        else void this.enqueue(() => this.catchUp(name));
      }
      this.stats.notified++;
      this.pool
        .query('SELECT pg_notify($1, $2)', [
          this.channel,
          JSON.stringify({ hub: this.hubId, changes: payload }),
        ])
        .catch((err: unknown) => this.log.error({ err }, 'could not announce a model change'));
    });
    // Templates changed here: the other hubs read them by name (a name no longer stored is gone).
    this.unobserveTemplates = this.changes.observeTemplates((change) => {
      const names = [...change.updated.map((t) => t.name), ...change.removed];
      this.stats.notified++;
      this.pool
        .query('SELECT pg_notify($1, $2)', [
          this.channel,
          JSON.stringify({ hub: this.hubId, templates: names }),
        ])
        .catch((err: unknown) => this.log.error({ err }, 'could not announce a template change'));
    });
    await this.listen();
    this.pruneTimer = setInterval(() => {
      this.model
        .pruneTombstones(Date.now() - TOMBSTONE_KEEP_MS)
        .catch((err: unknown) => this.log.warn({ err }, 'could not prune device tombstones'));
    }, PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  close(): void {
    this.closed = true;
    this.unobserve();
    this.unobserveTemplates();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    void this.listener?.end().catch(() => undefined);
  }

  /** Catches up with every collector whose generation moved (after a lost connection). */
  resync(): Promise<void> {
    this.stats.resyncs++;
    return this.enqueue(async () => {
      for (const [name, gen] of await this.model.generations()) {
        if (gen > (this.known.get(name) ?? 0)) await this.catchUp(name);
      }
      // Template notices may have been missed too: announce them all again (daemons compare
      // and reschedule only what changed; one removed meanwhile is caught by their next pull).
      this.changes.publishTemplates({ updated: await this.templates.list(), removed: [] }, true);
    });
  }

  private async listen(): Promise<void> {
    const client = this.connect();
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('notification connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel !== this.channel || msg.payload === undefined) return;
      this.received(msg.payload);
    });
    await client.connect();
    await client.query(`LISTEN ${this.channel}`);
    this.listener = client;
    this.retryMs = 200;
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.closed || this.listener !== client) return;
    this.listener = undefined;
    this.log.warn({ err }, 'lost the model notification connection; reconnecting');
    void client.end().catch(() => undefined);
    const again = (): void => {
      this.retryTimer = undefined;
      if (this.closed) return;
      this.listen()
        .then(() => this.resync())
        .catch((e: unknown) => {
          this.log.warn({ err: e }, 'model notification connection failed; retrying');
          this.retryMs = Math.min(RECONNECT_MAX_MS, this.retryMs * 2);
          this.retryTimer = setTimeout(again, this.retryMs);
        });
    };
    this.retryTimer = setTimeout(again, this.retryMs);
  }

  private received(payload: string): void {
    let msg: { hub?: unknown; changes?: unknown; templates?: unknown };
    try {
      msg = JSON.parse(payload) as typeof msg;
    } catch {
      return;
    }
    if (msg.hub === this.hubId) return;
    if (Array.isArray(msg.templates)) {
      this.stats.received++;
      const names = msg.templates.filter((n): n is string => typeof n === 'string').slice(0, 1000);
      void this.enqueue(() => this.templatesChanged(names));
      return;
    }
    if (!Array.isArray(msg.changes)) return;
    this.stats.received++;
    for (const entry of msg.changes as unknown[]) {
      if (!Array.isArray(entry)) continue;
      const [name, gen] = entry as [unknown, unknown];
      if (typeof name !== 'string' || typeof gen !== 'number') continue;
      if (gen <= (this.known.get(name) ?? 0)) continue;
      void this.enqueue(() => this.catchUp(name));
    }
  }

  private async catchUp(collector: string): Promise<void> {
    const since = this.known.get(collector) ?? 0;
    const change = await this.model.changesSince(collector, since);
    if (!change) return;
    this.raise(collector, change.generation);
    this.stats.relayed++;
    this.changes.publish([change], true);
  }

  private async templatesChanged(names: string[]): Promise<void> {
    const updated = [];
    const removed = [];
    for (const name of names) {
      const t = await this.templates.get(name);
      if (t) updated.push(t);
      else removed.push(name);
    }
    this.stats.relayed++;
    this.changes.publishTemplates({ updated, removed }, true);
  }

  private raise(collector: string, gen: number): void {
    if (gen > (this.known.get(collector) ?? 0)) this.known.set(collector, gen);
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(fn).catch((err: unknown) => {
      this.log.error({ err }, 'could not read a model change made on another hub');
    });
    return this.queue;
  }
}
