/**
 * Twisted's Failure, for promises: a rejection reason kept as a value, so lists of results can
 * hold errors without throwing them. `check()` and `trap()` test its type as Twisted does.
 */
type ErrorClass = abstract new (...args: never[]) => unknown;

export class Failure {
  constructor(readonly value: unknown) {}

  /** The class name of the wrapped reason (`'Error'`, `'TypeError'`, ...), or its `typeof`. */
  get type(): string {
    const v = this.value;
    if (v !== null && typeof v === 'object') return v.constructor?.name ?? 'Object';
    return typeof v;
  }

  /** The first of `types` that the reason is an instance of (a class) or is named as (a string). */
  check(...types: (ErrorClass | string)[]): ErrorClass | string | undefined {
    for (const t of types) {
      if (typeof t === 'string') {
        if (this.typeNames().includes(t)) return t;
      } else if (this.value instanceof t) {
        return t;
      }
    }
    return undefined;
  }

  /** Like `check`, but rethrows the reason when it matches none of `types`. */
  trap(...types: (ErrorClass | string)[]): ErrorClass | string {
    const hit = this.check(...types);
    if (hit === undefined) this.raiseException();
    return hit;
  }

  getErrorMessage(): string {
    const v = this.value;
    return v instanceof Error ? v.message : String(v);
  }

  /** Throws the wrapped reason. */
  raiseException(): never {
    throw this.value;
  }

  private typeNames(): string[] {
    const names: string[] = [];
    let proto: unknown =
      this.value !== null && typeof this.value === 'object'
        ? Object.getPrototypeOf(this.value)
        : null;
    while (proto !== null && proto !== Object.prototype) {
      const ctor = (proto as { constructor?: { name?: string } }).constructor;
      if (ctor?.name) names.push(ctor.name);
      proto = Object.getPrototypeOf(proto);
    }
    return names;
  }
}

/**
 * Raised by `deferredList(..., { fireOnOneErrback: true })` and `gatherResults`: which input
 * failed first, and how.
 */
export class FirstError extends Error {
  override readonly name = 'FirstError';

  constructor(
    readonly index: number,
    readonly subFailure: Failure,
  ) {
    super(`input ${index} failed first: ${subFailure.getErrorMessage()}`, {
      cause: subFailure.value,
    });
  }
}

/** True for objects with a callable `then`, which is what `await` accepts as a promise. */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === 'object' || typeof v === 'function') &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}
