/**
 * How many images changed recently, which decides how a changes-since list finds its page (see
 * `SqlDialect.changedFirst`): read for each catalog version, as any change moves the bounds.
 */

/**
 * Reading the images changed since a bound costs about what walking the list order past them costs when
 * FEW_CHANGES images changed since it, or SOME_CHANGES when other filters make matches rare, so that the
 * walk could cover most of the catalog.
 */
const FEW_CHANGES = 3_000;
const SOME_CHANGES = 20_000;

/** The updated_at of the FEW_CHANGES-th and SOME_CHANGES-th most recent change ('' when fewer images changed). */
export interface ChangeBounds {
  few: string;
  some: string;
}

/** The query for the nth most recent change's updated_at (n counted from 0). */
export const NTH_CHANGE_SQL = 'SELECT updated_at FROM images ORDER BY updated_at DESC LIMIT 1 OFFSET ?';

/** A store's bounds for its latest catalog version. */
export class ChangeBoundsCache {
  private version = '';
  private bounds: Promise<ChangeBounds> | null = null;

  /** `nth` runs NTH_CHANGE_SQL. */
  constructor(private readonly nth: (n: number) => Promise<string | undefined>) {}

  get(version: string): Promise<ChangeBounds> {
    if (!this.bounds || this.version !== version) {
      this.version = version;
      const bounds = this.read();
      // A failed read is not kept: the next list reads again.
      bounds.catch(() => {
        if (this.bounds === bounds) this.bounds = null;
      });
      this.bounds = bounds;
    }
    return this.bounds;
  }

  private async read(): Promise<ChangeBounds> {
    // A catalog with fewer changes than that has no bound: every list may take the changed images.
    const [few, some] = await Promise.all([this.nth(FEW_CHANGES), this.nth(SOME_CHANGES)]);
    return { few: few ?? '', some: some ?? '' };
  }
}
