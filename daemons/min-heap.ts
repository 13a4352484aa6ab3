/** A binary min-heap of (key, value): the scheduler's timetable. */
export class MinHeap<T> {
  private keys: number[] = [];
  private values: T[] = [];

  get size(): number {
    return this.keys.length;
  }

  peekKey(): number {
    return this.keys.length > 0 ? (this.keys[0] as number) : Infinity;
  }

  push(key: number, value: T): void {
    const k = this.keys;
    const v = this.values;
    let i = k.length;
    k.push(key);
    v.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((k[parent] as number) <= key) break;
      k[i] = k[parent] as number;
      v[i] = v[parent] as T;
      i = parent;
    }
    k[i] = key;
    v[i] = value;
  }

  pop(): T | undefined {
    const k = this.keys;
    const v = this.values;
    if (k.length === 0) return undefined;
    const top = v[0];
    const lastKey = k.pop() as number;
    const lastVal = v.pop() as T;
    const n = k.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && (k[child + 1] as number) < (k[child] as number)) child++;
        if ((k[child] as number) >= lastKey) break;
        k[i] = k[child] as number;
        v[i] = v[child] as T;
        i = child;
      }
      k[i] = lastKey;
      v[i] = lastVal;
    }
    return top;
  }

  clear(): void {
    this.keys = [];
    this.values = [];
  }
}
