import type { DeviceInput } from '../../hub/index.js';

/**
 * A realistic device of about 2.3 KB as stored: 5 datasources of 4 datapoints each, a few
 * properties. `type` is the datasource type of all five (the collector that polls them).
 */
export function fleetDevice(i: number, collector = 'localhost', type = 'fake'): DeviceInput {
  const id = `dev-${String(i).padStart(6, '0')}`;
  return {
    id,
    title: `${id}.dc1.example.net`,
    address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    collector,
    properties: {
      rack: `r${i % 40}`,
      site: 'dc1',
      contact: 'netops@example.net',
      model: 'Example Switch 4800-48T',
      serial: `SN${String(i * 7919).padStart(10, '0')}`,
    },
    datasources: Array.from({ length: 5 }, (_, k) => ({
      name: `ds${k}`,
      type,
      interval: 300,
      params: { oidBase: `1.3.6.1.4.1.9999.${k}.1`, community: 'public', timeoutMs: 3000 },
      datapoints: Array.from({ length: 4 }, (_, j) => ({
        name: `metric${k}_${j}`,
        type: j % 2 === 0 ? ('gauge' as const) : ('counter' as const),
        threshold: { max: 90 + j, severity: 4 },
      })),
    })),
  };
}

/** `n` fleet devices starting at index `from`. */
export function fleet(n: number, collector = 'localhost', from = 0, type = 'fake'): DeviceInput[] {
  return Array.from({ length: n }, (_, i) => fleetDevice(from + i, collector, type));
}
