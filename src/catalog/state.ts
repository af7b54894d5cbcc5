/**
 * The catalog's state as a whole, for test pipelines: named snapshots (the catalog and its image data), restoring
 * one, and resetting to an empty catalog or to the one the server started with. The accounts are never part of
 * it. Each change runs alone (see `StateGate`) and is refused while an upload or an import runs, so that no data
 * is written into a catalog that is being replaced.
 */
import type { BlobStore, CatalogSnapshots, SnapshotInfo, TaskStore, UploadLeaseStore } from './ports.js';
import { badRequest, conflict, notFound } from './errors.js';
import { isSnapshotName } from './snapshot-name.js';
import type { StateGate } from './state-gate.js';

/** The snapshot `serve` takes of the catalog it starts with (after `--import` or `--demo`): `reset --to-start` restores it. */
export const START_SNAPSHOT = 'start';

export interface StateStores {
  snapshots: CatalogSnapshots;
  leases: UploadLeaseStore;
  tasks: TaskStore;
  /** Image data, and data staged for imports. */
  data: BlobStore[];
}

export type ResetTarget = 'empty' | 'start';

export class StateService {
  constructor(
    private readonly stores: StateStores,
    readonly gate: StateGate,
  ) {}

  list(): Promise<SnapshotInfo[]> {
    return this.stores.snapshots.list();
  }

  /** Saves the catalog and its data under `name`, replacing any snapshot of that name. */
  async save(name: string): Promise<SnapshotInfo> {
    checkName(name);
    return this.gate.alone(async () => {
      await this.refuseWhileWriting();
      const info = await this.stores.snapshots.save(name);
      for (const store of this.stores.data) {
        await store.snapshot(name).destroy();
        const copy = store.snapshot(name);
        for (const id of await store.ids()) await copy.adopt(store, id);
      }
      return info;
    });
  }

  async restore(name: string): Promise<void> {
    checkName(name);
    await this.gate.alone(async () => {
      await this.refuseWhileWriting();
      await this.restoreNow(name);
    });
  }

  async reset(to: ResetTarget): Promise<void> {
    await this.gate.alone(async () => {
      await this.refuseWhileWriting();
      if (to === 'start') return this.restoreNow(START_SNAPSHOT);
      await this.stores.snapshots.clear();
      for (const store of this.stores.data) for (const id of await store.ids()) await store.delete(id);
    });
  }

  async delete(name: string): Promise<void> {
    checkName(name);
    if (!(await this.stores.snapshots.delete(name))) throw unknownSnapshot(name);
    for (const store of this.stores.data) await store.snapshot(name).destroy();
  }

  /**
   * The snapshot's data is put in place first (while the catalog still refers to what it had, which stays), then
   * the catalog is replaced in one transaction, then the data it no longer refers to goes. Each image's data is
   * adopted again even where the store holds some: an id the catalog no longer held may have been used anew.
   */
  private async restoreNow(name: string): Promise<void> {
    if (!(await this.list()).some((snapshot) => snapshot.name === name)) throw unknownSnapshot(name);
    const stores = await Promise.all(
      this.stores.data.map(async (store) => {
        const copy = store.snapshot(name);
        return { store, copy, wanted: new Set(await copy.ids()), held: await store.ids() };
      }),
    );
    for (const { store, copy, wanted } of stores) for (const id of wanted) await store.adopt(copy, id);
    if (!(await this.stores.snapshots.restore(name))) throw unknownSnapshot(name);
    for (const { store, wanted, held } of stores) for (const id of held) if (!wanted.has(id)) await store.delete(id);
  }

  private async refuseWhileWriting(): Promise<void> {
    // An image left saving with no lease (as a catalog may be loaded) is no upload under way.
    const uploads = await this.stores.leases.countUploadLeases();
    const imports = await this.stores.tasks.unfinishedTasks();
    if (uploads > 0 || imports.length > 0) {
      throw conflict(
        `${uploads} upload(s) and ${imports.length} import(s) are in progress; the catalog's state can be saved, restored or reset ` +
          'once they have finished (an upload cut short by a crash is given back within a few minutes).',
      );
    }
  }
}

function checkName(name: string): void {
  if (!isSnapshotName(name)) {
    throw badRequest(`Invalid snapshot name ${JSON.stringify(name)}: letters, digits, '_' and '-', starting with a letter or digit, at most 48 characters.`);
  }
}

const unknownSnapshot = (name: string) => notFound(`No snapshot named ${name}.`);
