import { ZHubError } from '../errors.js';
import type { Referenceable } from './referenceable.js';
import type { RemoteReference } from './remote-reference.js';

/** Read in place of a table not made yet: never written. */
const NO_IMPORTS: ReadonlyMap<number, RemoteReference> = new Map();

/**
 * The references of one connection: the objects this side exports (by id, with how many times
 * each was sent, for PB's reference counting) and the peer's objects it holds. Both are
 * bounded by `maxRefs` (HUB_ERR_TOO_MANY_REFS); the peer's root (id 0) does not count.
 */
export class RefTable {
  private readonly exportsById = new Map<number, { obj: Referenceable; sent: number }>();
  private readonly exportIds = new Map<Referenceable, number>();
  /** The peer's objects held: made with the first (a hub holds few daemons' objects). */
  private importTable: Map<number, RemoteReference> | undefined;
  private nextExportId = 1;

  constructor(
    private readonly root: Referenceable | undefined,
    private readonly maxRefs: number,
  ) {}

  private get imports(): ReadonlyMap<number, RemoteReference> {
    return this.importTable ?? NO_IMPORTS;
  }

  /** The object of ours the peer names by `id` (0: the root), if it is still exported. */
  local(id: number): Referenceable | undefined {
    return id === 0 ? this.root : this.exportsById.get(id)?.obj;
  }

  /** The id `obj` travels under, exported now if it was not; counts one more send. */
  exportOf(obj: Referenceable): number {
    let id = this.exportIds.get(obj);
    if (id === undefined) {
      if (this.exportsById.size >= this.maxRefs) {
        throw new ZHubError(
          'HUB_ERR_TOO_MANY_REFS',
          `this connection already exports ${this.maxRefs} references`,
        );
      }
      id = this.nextExportId++;
      this.exportIds.set(obj, id);
      this.exportsById.set(id, { obj, sent: 0 });
    }
    (this.exportsById.get(id) as { sent: number }).sent++;
    return id;
  }

  /** Stops exporting `obj`; answers the id it had (undefined when it was not exported). */
  unexport(obj: Referenceable): number | undefined {
    const id = this.exportIds.get(obj);
    if (id === undefined) return undefined;
    this.exportIds.delete(obj);
    this.exportsById.delete(id);
    return id;
  }

  /** The peer released `count` receipts of `id`: forgotten when none is left. */
  decref(id: number, count: number): void {
    const entry = this.exportsById.get(id);
    if (entry === undefined) return;
    entry.sent -= count;
    if (entry.sent <= 0) {
      this.exportsById.delete(id);
      this.exportIds.delete(entry.obj);
    }
  }

  /** The reference for the peer's object `id`: the one held (one more receipt), or a new one. */
  imported(id: number, make: () => RemoteReference): RemoteReference {
    const known = this.imports.get(id);
    if (known !== undefined && !known.released) {
      known.receipts++;
      return known;
    }
    if (this.imports.size > this.maxRefs) {
      throw new ZHubError(
        'HUB_ERR_TOO_MANY_REFS',
        'the peer sent more references than this side keeps',
      );
    }
    const ref = make();
    (this.importTable ??= new Map()).set(id, ref);
    return ref;
  }

  /** The reference to the peer's root (id 0), made once (again after it was released). */
  peerRoot(make: () => RemoteReference): RemoteReference {
    let ref = this.imports.get(0);
    if (ref === undefined || ref.released) {
      ref = make();
      (this.importTable ??= new Map()).set(0, ref);
    }
    return ref;
  }

  /** Forgets the peer's object `id` and answers the reference to it, if one was held. */
  takeImport(id: number): RemoteReference | undefined {
    const ref = this.imports.get(id);
    if (ref !== undefined) this.importTable?.delete(id);
    return ref;
  }

  /** Forgets `ref` (released by this side). */
  forget(ref: RemoteReference): void {
    if (this.imports.get(ref.id) === ref) this.importTable?.delete(ref.id);
  }

  /** Empties both tables (the connection closed); answers the references that were held. */
  clear(): RemoteReference[] {
    const refs = [...this.imports.values()];
    this.importTable?.clear();
    this.exportsById.clear();
    this.exportIds.clear();
    return refs;
  }
}
