import type { CollectContext, CollectResult, Collector } from '../collector.js';

/**
 * `http`: GET `params.url` (default `http://<address>/`). Datapoints `status` and
 * `responseTime` (ms). With `params.expectStatus` and/or `params.bodyPattern` (a regular
 * expression), a mismatch or a failed request raises an event, cleared when it matches again.
 */
export class HttpCollector implements Collector {
  readonly type = 'http';

  async collect({ device, datasource, signal }: CollectContext): Promise<CollectResult> {
    const url =
      typeof datasource.params.url === 'string'
        ? datasource.params.url
        : `http://${device.address}/`;
    const expectStatus =
      typeof datasource.params.expectStatus === 'number'
        ? datasource.params.expectStatus
        : undefined;
    const pattern =
      typeof datasource.params.bodyPattern === 'string'
        ? new RegExp(datasource.params.bodyPattern)
        : undefined;
    const event = {
      device: device.id,
      component: url,
      eventClass: '/Status/Web',
      eventKey: `http-${datasource.name}`,
    };
    const started = performance.now();
    let problem: string | undefined;
    const values: CollectResult['values'] = [];
    try {
      const res = await fetch(url, { signal, redirect: 'manual' });
      const body = pattern ? await res.text() : (await res.arrayBuffer(), '');
      values.push(
        { datapoint: 'status', value: res.status },
        {
          datapoint: 'responseTime',
          value: Math.round((performance.now() - started) * 1000) / 1000,
        },
      );
      if (expectStatus !== undefined && res.status !== expectStatus)
        problem = `status ${res.status}, expected ${expectStatus}`;
      else if (pattern && !pattern.test(body)) problem = `body does not match /${pattern.source}/`;
    } catch (err) {
      problem = signal.aborted ? 'timed out' : (err as Error).message;
    }
    const severity =
      typeof datasource.params.severity === 'number' ? datasource.params.severity : 4;
    return {
      values,
      events: [
        problem === undefined
          ? { ...event, severity: 0, summary: `${url} is fine` }
          : { ...event, severity, summary: `${url}: ${problem}` },
      ],
    };
  }
}
