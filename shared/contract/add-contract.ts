import { z } from 'zod';
import { defineContract } from './contract.js';

/** The seed example's contract: `add(x, y)` answers `x + y`. */
export const AddContract = defineContract('AddService', {
  add: { args: [z.number(), z.number()], names: ['x', 'y'], result: z.number() },
});
