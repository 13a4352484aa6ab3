import { connect } from 'node:net';
import type { CollectContext, CollectResult, Collector } from '../collector.js';

/**
 * `port`: can a TCP connection to the device's address (or `params.host`) on `params.port` be
 * opened? Datapoints `up` (0/1) and `connectTime` (ms). A port that stops answering raises an
 * event (severity `params.severity`, default 5), cleared when it answers again.
 */
export class PortCollector implements Collector {
  readonly type = 'port';

  async collect({ device, datasource, signal }: CollectContext): Promise<CollectResult> {
    const port = Number(datasource.params.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`datasource ${datasource.name}: params.port must be a port number`);
    const host =
      typeof datasource.params.host === 'string' ? datasource.params.host : device.address;
    const started = performance.now();
    const error = await new Promise<string | undefined>((resolve) => {
      const socket = connect({ host, port });
      const done = (err?: string): void => {
        socket.destroy();
        signal.removeEventListener('abort', onAbort);
        resolve(err);
      };
      const onAbort = (): void => done('timed out');
      signal.addEventListener('abort', onAbort);
      socket.once('connect', () => done());
      socket.once('error', (err) => done(err.message));
    });
    const ms = performance.now() - started;
    const component = `port ${port}`;
    const event = {
      device: device.id,
      component,
      eventClass: '/Status/Port',
      eventKey: `port-${port}`,
    };
    if (error === undefined) {
      return {
        values: [
          { datapoint: 'up', value: 1, component },
          { datapoint: 'connectTime', value: Math.round(ms * 1000) / 1000, component },
        ],
        events: [{ ...event, severity: 0, summary: `${host}:${port} answers` }],
      };
    }
    const severity =
      typeof datasource.params.severity === 'number' ? datasource.params.severity : 5;
    return {
      values: [{ datapoint: 'up', value: 0, component }],
      events: [{ ...event, severity, summary: `${host}:${port} does not answer: ${error}` }],
    };
  }
}
