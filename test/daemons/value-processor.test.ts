// Counter rates: a 32-bit SNMP counter that wraps gives the rate across the wrap; a reset,
// or a 64-bit counter going backwards, gives no sample.
import { describe, expect, it } from 'vitest';
import { ValueProcessor, type DatasourceConfig, type DeviceConfig } from '../../daemons/index.js';

const device = {
  id: 'r1',
  address: '10.0.0.1',
  properties: {},
  datasources: [],
} as unknown as DeviceConfig;
const ds = {
  name: 'if',
  type: 'snmp',
  params: {},
  datapoints: [{ name: 'ifInOctets', type: 'counter' }],
} as unknown as DatasourceConfig;

function rates(readings: [number, number][], counterBits?: 32 | 64): number[] {
  const vp = new ValueProcessor();
  const out: number[] = [];
  for (const [t, v] of readings) {
    const { samples } = vp.process(
      device,
      ds,
      [
        {
          datapoint: 'ifInOctets',
          value: v,
          component: 'eth0',
          ...(counterBits ? { counterBits } : {}),
        },
      ],
      t,
    );
    out.push(...samples.map((s) => s.value));
  }
  return out;
}

describe('ValueProcessor counter rates', () => {
  it('takes a Counter32 rate across its wrap', () => {
    expect(
      rates(
        [
          [0, 2 ** 32 - 1000],
          [10_000, 9_000],
        ],
        32,
      ),
    ).toEqual([1_000]); // 10,000 octets in 10 s
  });

  it('drops a reset: a big fall of a Counter32, any fall of a Counter64 or an untyped counter', () => {
    expect(
      rates(
        [
          [0, 1_000_000_000],
          [10_000, 5],
        ],
        32,
      ),
    ).toEqual([]);
    expect(
      rates(
        [
          [0, 2 ** 40],
          [10_000, 5],
        ],
        64,
      ),
    ).toEqual([]);
    expect(
      rates([
        [0, 1000],
        [10_000, 5],
      ]),
    ).toEqual([]);
  });

  it('gives plain rates when the counter rises', () => {
    expect(
      rates(
        [
          [0, 100],
          [1_000, 600],
          [2_000, 1_600],
        ],
        64,
      ),
    ).toEqual([500, 1_000]);
  });
});
