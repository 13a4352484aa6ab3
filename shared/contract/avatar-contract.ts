import { z } from 'zod';
import { RemoteReference } from '../rpc/remote-reference.js';
import { defineContract } from './contract.js';

/** Who the hub says the caller is (from the session). */
export interface Whoami {
  user: string;
  daemon: string;
  type: string;
  address: string;
}

/**
 * The root a daemon gets after login (PB's avatar): its services by name. `getService`
 * answers a reference to the service instance of that monitor.
 */
export const AvatarContract = defineContract('Avatar', {
  ping: { args: [], result: z.literal('pong') },
  getService: {
    args: [
      z.string().min(1).max(100),
      z.string().min(1).max(64),
      // A listener is one of the caller's own objects, passed by reference.
      z
        .custom<RemoteReference>((v) => v instanceof RemoteReference, {
          message: 'listener must be a Referenceable of the caller',
        })
        .nullish(),
      z.unknown(),
    ],
    names: ['name', 'monitor', 'listener', 'options'],
    result: z.custom<RemoteReference>(),
  },
  listServices: { args: [], result: z.array(z.string()) },
  resumptionTicket: {
    args: [],
    result: z.custom<{ ticket: string; expiresAt: number } | null>(),
  },
  whoami: { args: [], result: z.custom<Whoami>() },
});
