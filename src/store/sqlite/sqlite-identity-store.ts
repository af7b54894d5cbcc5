/**
 * Users, projects, roles, tokens and credentials in the embedded catalog, with the tokens every request asks
 * for kept while nothing has changed the file.
 */
import type { Token } from '../../identity/model.js';
import { VersionedCache } from '../../common/versioned-cache.js';
import { SqlIdentityStore } from '../sql/sql-identity-store.js';
import type { SqliteConnection } from './sqlite-connection.js';

export class SqliteIdentityStore extends SqlIdentityStore {
  /**
   * Tokens by hash, as every authenticated request asks for its own: valid while no process has
   * written to the catalog file and this one has changed no token, so a revocation anywhere is seen
   * at once.
   */
  private readonly tokens = new VersionedCache<Token>({ maxEntries: 100_000, maxWeight: 100_000 }, () => 1);
  private tokenChanges = 0;

  constructor(private readonly connection: SqliteConnection) {
    super(connection);
  }

  override async getToken(hash: string): Promise<Token | null> {
    const version = `${this.tokenChanges}:${this.connection.dataVersion()}`;
    const cached = this.tokens.get(hash, version);
    if (cached) return cached;
    const token = await super.getToken(hash);
    if (!token) return null;
    Object.freeze(token);
    this.tokens.put(hash, version, token);
    return token;
  }

  protected override tokensChanged(): void {
    this.tokenChanges++;
  }
}
