import type { z } from 'zod';

/**
 * One remote method of a contract: the schemas of its wire arguments, in order (the caller
 * argument of a `withCaller` method is not among them: it comes from the session), their names
 * for error messages, and the schema of its answer.
 */
export interface MethodSpec<
  A extends readonly z.ZodType[] = readonly z.ZodType[],
  R extends z.ZodType = z.ZodType,
> {
  readonly args: A;
  /** Names of the arguments, for messages (`count(deviceId): deviceId: expected string`). */
  readonly names?: { readonly [K in keyof A]: string };
  /**
   * The answer. It types the daemon's handle; the hub does not check it (its own code made
   * it), a daemon checks it when asked to (`getService(contract, { checkResults: true })`).
   */
  readonly result: R;
}

export type MethodSpecs = { readonly [name: string]: MethodSpec };

/** What a service offers over the wire, written once and imported by both sides. */
export interface Contract<M extends MethodSpecs = MethodSpecs> {
  /** The service's registered name. */
  readonly service: string;
  readonly methods: M;
}

/** The wire arguments of a method as a caller writes them: trailing optional ones may be left out. */
export type ContractArgs<A extends readonly z.ZodType[]> = A extends readonly [
  ...infer H extends readonly z.ZodType[],
  infer L extends z.ZodType,
]
  ? undefined extends z.input<L>
    ? [...ContractArgs<H>, z.input<L>?]
    : [...InputTuple<H>, z.input<L>]
  : [];

type InputTuple<A extends readonly z.ZodType[]> = { [K in keyof A]: z.input<A[K]> };

/** The arguments a service method receives after the hub checked them (defaults filled in). */
export type CheckedArgs<A extends readonly z.ZodType[]> = { [K in keyof A]: z.output<A[K]> };

/** A method's answer as the daemon receives it. */
export type ContractResult<S extends MethodSpec> = z.output<S['result']>;

/**
 * Declares a service's contract:
 *
 * ```ts
 * export const InventoryContract = defineContract('InventoryService', {
 *   count: { args: [z.string()], names: ['deviceId'], result: z.number() },
 * });
 * ```
 *
 * On the hub the service class names it (`static contract = InventoryContract`) and every
 * call's arguments are checked before its method runs; a daemon gets a typed handle with
 * `client.getService(InventoryContract)`.
 */
export function defineContract<const M extends MethodSpecs>(
  service: string,
  methods: M,
): Contract<M> {
  return Object.freeze({ service, methods: Object.freeze(methods) });
}
