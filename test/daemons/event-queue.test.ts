import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../daemons/index.js';
import { TABLE_BOUNDS } from '../../shared/index.js';

const down = (over: Record<string, unknown> = {}) => ({
  device: 'r1',
  component: 'eth0',
  eventClass: '/Net',
  eventKey: 'link',
  severity: 4,
  summary: 'link down',
  ...over,
});

describe('EventQueue', () => {
  it('collapses repeats of one event into one with a count, keeping the latest text', () => {
    const q = new EventQueue();
    q.add(down({ summary: 'first' }));
    q.add(down({ summary: 'second', message: 'details' }));
    q.add(down({ severity: 5, summary: 'worse' })); // another severity: another event
    const out = q.take();
    expect(out.map((e) => [e.severity, e.count, e.summary])).toEqual([
      [4, 2, 'second'],
      [5, 1, 'worse'],
    ]);
    expect(out[0]?.message).toBe('details');
    expect(q.collapsed).toBe(1);
    expect(q.take()).toEqual([]);
  });

  it('sends the first clear after start, and a clear again only after a problem', () => {
    const q = new EventQueue();
    expect(q.add(down({ severity: 0 }))).toBe(true); // the hub may hold an open event from before
    expect(q.add(down({ severity: 0 }))).toBe(false);
    q.take();
    expect(q.add(down({ severity: 0 }))).toBe(false); // still clear, across flushes
    expect(q.add(down())).toBe(true);
    expect(q.add(down({ severity: 0 }))).toBe(true);
    expect(q.take().map((e) => e.severity)).toEqual([4, 0]);
    expect(q.suppressedClears).toBe(2);
    // Clears are per device, component, class and key.
    expect(q.add(down({ severity: 0, component: 'eth1' }))).toBe(true);
  });

  it('forgets the oldest clear states past its bound, so a forgotten one is sent again', () => {
    const q = new EventQueue();
    q.add(down({ severity: 0, device: 'first' }));
    for (let i = 0; i < TABLE_BOUNDS.eventClearStates; i++)
      q.add(down({ severity: 0, device: `d${i}` }));
    q.take();
    expect(q.add(down({ severity: 0, device: 'first' }))).toBe(true);
    expect(q.add(down({ severity: 0, device: `d${TABLE_BOUNDS.eventClearStates - 1}` }))).toBe(
      false,
    );
  });
});
