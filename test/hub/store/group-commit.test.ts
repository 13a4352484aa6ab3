import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../hub/index.js';
import { ZHubError } from '../../../shared/index.js';

/** A store of one array, with transactions and savepoints that really undo. */
class ArrayStore {
  rows: string[] = [];
  groups = 0;
  failNextCommit = false;
  group<T>(fn: () => T): T {
    this.groups++;
    const before = [...this.rows];
    try {
      const v = fn();
      if (this.failNextCommit) {
        this.failNextCommit = false;
        throw new Error('SQLITE_IOERR: disk I/O error');
      }
      return v;
    } catch (err) {
      this.rows = before;
      throw err;
    }
  }
  savepoint<T>(fn: () => T): T {
    const before = [...this.rows];
    try {
      return fn();
    } catch (err) {
      this.rows = before;
      throw err;
    }
  }
}

function setup(maxQueued = 100) {
  const store = new ArrayStore();
  const errors: unknown[] = [];
  const commits: boolean[] = [];
  const writer = new GroupCommit(store, {
    maxQueued,
    onFull: () => new ZHubError('HUB_ERR_STORE', 'behind', { retryable: true }),
    onCommit: (_s, ok) => commits.push(ok),
    onStoreError: (err) => errors.push(err),
  });
  const write = (v: string) =>
    writer.submit(() => {
      store.rows.push(v);
      return v;
    });
  return { store, writer, errors, commits, write };
}

describe('GroupCommit', () => {
  it('writes the batches of one turn in one transaction, each answered after it commits', async () => {
    const { store, writer, write } = setup();
    const answered: string[] = [];
    const all = ['a', 'b', 'c'].map((v) => write(v).then((x) => answered.push(x)));
    expect(answered).toEqual([]); // nothing is acknowledged before the commit
    await Promise.all(all);
    expect(store.groups).toBe(1);
    expect(store.rows).toEqual(['a', 'b', 'c']);
    expect(answered).toEqual(['a', 'b', 'c']);
    expect(writer.stats).toMatchObject({ commits: 1, jobs: 3, largest: 3 });
    await write('d');
    expect(store.groups).toBe(2);
  });

  it('fails a refused batch alone (its savepoint undone); the hub stays healthy', async () => {
    const { store, writer, write, errors } = setup();
    const refused = writer.submit(() => {
      store.rows.push('half');
      throw new ZHubError('HUB_ERR_OUT_OF_ORDER', 'follows 7');
    });
    const ok = write('fine');
    await expect(refused).rejects.toMatchObject({ code: 'HUB_ERR_OUT_OF_ORDER' });
    expect(await ok).toBe('fine');
    expect(store.rows).toEqual(['fine']);
    expect(writer.healthy).toBe(true);
    expect(errors).toEqual([]);
  });

  it('rejects every batch of a group whose commit fails, and reports unhealthy until one commits', async () => {
    const { store, writer, write, errors, commits } = setup();
    store.failNextCommit = true;
    const a = write('a');
    const b = write('b');
    await expect(a).rejects.toThrow(/disk I\/O/);
    await expect(b).rejects.toThrow(/disk I\/O/);
    expect(store.rows).toEqual([]); // nothing stored, nothing acknowledged
    expect(writer.healthy).toBe(false);
    expect(writer.stats.failedCommits).toBe(1);
    expect(errors).toHaveLength(1);
    expect(await write('c')).toBe('c');
    expect(writer.healthy).toBe(true);
    expect(commits).toEqual([false, true]);
  });

  it('counts a batch the store itself failed (not a refusal) as unhealthy though the group committed', async () => {
    const { writer, write, errors } = setup();
    const broken = writer.submit(() => {
      throw new Error('SQLITE_CORRUPT: database disk image is malformed');
    });
    const ok = write('ok');
    await expect(broken).rejects.toThrow(/SQLITE_CORRUPT/);
    expect(await ok).toBe('ok');
    expect(writer.healthy).toBe(false);
    expect(errors).toHaveLength(1);
  });

  it('refuses past maxQueued with the retryable error, and flushNow commits at once', async () => {
    const { store, writer, write } = setup(2);
    const a = write('a');
    const b = write('b');
    await expect(write('c')).rejects.toMatchObject({ code: 'HUB_ERR_STORE', retryable: true });
    expect(writer.queued).toBe(2);
    writer.flushNow();
    expect(store.rows).toEqual(['a', 'b']);
    await Promise.all([a, b]);
    expect(writer.queued).toBe(0);
  });

  it('refuses asynchronous work: a group commit needs synchronous writes', async () => {
    const { writer } = setup();
    await expect(writer.submit(() => Promise.resolve(1))).rejects.toThrow(/synchronous/);
  });
});
