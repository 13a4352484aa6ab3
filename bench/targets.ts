/**
 * The three RPC stacks the bench compares, each as a server factory (run in its own process)
 * and a client factory (run in another): the same `add(1, 2)` everywhere.
 */
import type { AddressInfo } from 'node:net';
import { Client as RpcWsClient, Server as RpcWsServer } from 'rpc-websockets';
import { WebSocket, WebSocketServer } from 'ws';
import { AddContract, buildHub, connectHub, HubService, UserStore, ZHubError } from './zhub-lib.js';

export type TargetName =
  'raw-ws' | 'raw-ws-coalesced' | 'rpc-websockets' | 'zhub' | 'zhub-hand-checked';
export const TARGETS: TargetName[] = [
  'raw-ws',
  'raw-ws-coalesced',
  'rpc-websockets',
  'zhub',
  'zhub-hand-checked',
];

/**
 * AddService as it was before contracts: its arguments checked by hand in the method. The
 * bench serves it beside the contract-checked AddService to show what the check costs.
 */
class HandCheckedAddService extends HubService {
  static override serviceName = 'HandCheckedAddService';
  remote_add(x: unknown, y: unknown): number {
    if (typeof x !== 'number' || typeof y !== 'number') {
      throw new ZHubError('HUB_ERR_BAD_ARGUMENT', 'add(x, y) takes two numbers');
    }
    return x + y;
  }
}

export const BENCH_USER = 'bench';
export const BENCH_PASSWORD = 'bench-password-not-secret';

export interface BenchClient {
  add(x: number, y: number): Promise<number>;
  close(): Promise<void> | void;
}

/** Starts the server of `target` on 127.0.0.1:0 and returns its URL. */
export async function startServer(target: TargetName): Promise<string> {
  switch (target) {
    case 'raw-ws': {
      // The practical limit: plain JSON over ws, no framework, no checks.
      const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
      wss.on('connection', (ws) => {
        ws.on('message', (data) => {
          const m = JSON.parse((data as Buffer).toString()) as {
            id: number;
            params: [number, number];
          };
          ws.send(JSON.stringify({ id: m.id, result: m.params[0] + m.params[1] }));
        });
      });
      await new Promise((r) => wss.once('listening', r));
      return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    }
    case 'raw-ws-coalesced': {
      // The limit for a batching RPC: the calls of one turn travel as one JSON array in one
      // frame, and their answers go back the same way. No framework, no checks.
      const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
      wss.on('connection', (ws) => {
        ws.on('message', (data) => {
          const calls = JSON.parse((data as Buffer).toString()) as {
            id: number;
            params: [number, number];
          }[];
          ws.send(
            JSON.stringify(calls.map((m) => ({ id: m.id, result: m.params[0] + m.params[1] }))),
          );
        });
      });
      await new Promise((r) => wss.once('listening', r));
      return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    }
    case 'rpc-websockets': {
      const server = new RpcWsServer({ host: '127.0.0.1', port: 0 });
      server.register('add', (params) => {
        const [x, y] = params as [number, number];
        return x + y;
      });
      await new Promise((r) => server.wss.once('listening', r));
      return `ws://127.0.0.1:${(server.wss.address() as AddressInfo).port}`;
    }
    case 'zhub':
    case 'zhub-hand-checked': {
      const users = new UserStore();
      await users.set(BENCH_USER, BENCH_PASSWORD);
      const zhub = await buildHub({ users, services: [HandCheckedAddService] });
      const address = await zhub.app.listen({ port: 0, host: '127.0.0.1' });
      return `${address.replace(/^http/, 'ws')}/hub`;
    }
  }
}

export async function startClient(target: TargetName, url: string): Promise<BenchClient> {
  switch (target) {
    case 'raw-ws': {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      await new Promise((r, j) => {
        ws.once('open', r);
        ws.once('error', j);
      });
      const pending = new Map<number, (v: number) => void>();
      let nextId = 1;
      ws.on('message', (data) => {
        const m = JSON.parse((data as Buffer).toString()) as { id: number; result: number };
        const done = pending.get(m.id);
        pending.delete(m.id);
        done?.(m.result);
      });
      return {
        add: (x, y) =>
          new Promise((resolve) => {
            const id = nextId++;
            pending.set(id, resolve);
            ws.send(JSON.stringify({ id, method: 'add', params: [x, y] }));
          }),
        close: () => ws.close(),
      };
    }
    case 'raw-ws-coalesced': {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      await new Promise((r, j) => {
        ws.once('open', r);
        ws.once('error', j);
      });
      const pending = new Map<number, (v: number) => void>();
      let nextId = 1;
      let batch: { id: number; method: string; params: [number, number] }[] = [];
      ws.on('message', (data) => {
        for (const m of JSON.parse((data as Buffer).toString()) as {
          id: number;
          result: number;
        }[]) {
          const done = pending.get(m.id);
          pending.delete(m.id);
          done?.(m.result);
        }
      });
      const flush = (): void => {
        const out = batch;
        batch = [];
        ws.send(JSON.stringify(out));
      };
      return {
        add: (x, y) =>
          new Promise((resolve) => {
            const id = nextId++;
            pending.set(id, resolve);
            if (batch.length === 0) queueMicrotask(flush);
            batch.push({ id, method: 'add', params: [x, y] });
          }),
        close: () => ws.close(),
      };
    }
    case 'rpc-websockets': {
      const client = new RpcWsClient(url, { reconnect: false });
      await new Promise((r) => client.once('open', r));
      return {
        add: (x, y) => client.call('add', [x, y]) as Promise<number>,
        close: () => client.close(),
      };
    }
    case 'zhub': {
      const client = await connectHub({
        url,
        username: BENCH_USER,
        password: BENCH_PASSWORD,
        type: 'bench',
      });
      const adder = await client.getService(AddContract);
      return { add: (x, y) => adder.add(x, y), close: () => client.close() };
    }
    case 'zhub-hand-checked': {
      const client = await connectHub({
        url,
        username: BENCH_USER,
        password: BENCH_PASSWORD,
        type: 'bench',
      });
      const adder = await client.getService('HandCheckedAddService');
      return { add: (x, y) => adder.callRemote<number>('add', x, y), close: () => client.close() };
    }
  }
}
