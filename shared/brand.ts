/**
 * Makes `value instanceof Base` hold for objects made by another copy of zhub in the same
 * process — a service module that imports its own installed zhub while the hub runs from
 * another install. The base's prototype carries a registered symbol (`Symbol.for`), and the
 * base's `instanceof` checks for it; subclasses keep the ordinary `instanceof`.
 *
 * Security: only code running in the process can set a registered symbol; nothing decoded
 * from the wire can (JSON has no symbols), so a peer cannot make data look like a reference
 * or a service.
 */
export function brandAcrossCopies(
  Base: abstract new (...args: never[]) => object,
  name: string,
): void {
  const brand = Symbol.for(`zhub.${name}`);
  Object.defineProperty(Base.prototype, brand, { value: true });
  const plain = Function.prototype[Symbol.hasInstance];
  Object.defineProperty(Base, Symbol.hasInstance, {
    value(this: unknown, v: unknown): boolean {
      if (this !== Base) return plain.call(this, v);
      return (
        (typeof v === 'object' || typeof v === 'function') &&
        v !== null &&
        (v as Record<symbol, unknown>)[brand] === true
      );
    },
  });
}
