/** Lets the event loop turn until `cond()` holds (at most `turns` turns); no timers involved. */
export async function until(cond: () => boolean, turns = 2000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition not reached');
}

/**
 * Moves a manual clock `stepMs` at a time, letting real time pass too (logins hash with
 * scrypt, spools write to disk), until `cond` holds.
 */
export async function untilWithClock(
  clock: { advance(ms: number): void },
  cond: () => boolean,
  stepMs = 100,
): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    if (cond()) return;
    clock.advance(stepMs);
    await new Promise((r) => setTimeout(r, i % 10 === 0 ? 1 : 0));
  }
  throw new Error('condition not reached');
}

/** Polls `cond` every 20 ms of real time (for work on real sockets and servers) for at most `ms`. */
export async function eventually(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
