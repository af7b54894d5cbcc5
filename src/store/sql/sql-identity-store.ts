/**
 * Users, projects, roles, tokens and credentials in SQL both backends read alike (`?` placeholders), on
 * the backend's connection.
 */
import type { Credential, Project, Role, Token, User } from '../../identity/model.js';
import type { IdentityStore } from '../../identity/ports.js';
import { toProject, toToken, toUser, type ProjectRow, type TokenRow, type UserRow } from './rows.js';
import { oneRow, type SqlRunner } from './sql-runner.js';

export class SqlIdentityStore implements IdentityStore {
  constructor(
    private readonly db: SqlRunner,
    /** The backend's read of the identity revision (a table its triggers move). */
    readonly revision: () => string | Promise<string>,
  ) {}

  private one<R, T>(sql: string, convert: (row: R) => T, ...params: unknown[]): Promise<T | null> {
    return oneRow(this.db, sql, convert, ...params);
  }

  async insertProject(project: Project): Promise<void> {
    await this.db.run('INSERT INTO projects (id, name, description, enabled, created_at) VALUES (?, ?, ?, ?, ?)', [
      project.id, project.name, project.description, project.enabled ? 1 : 0, project.created_at,
    ]);
  }

  async getProject(id: string): Promise<Project | null> {
    return this.one('SELECT * FROM projects WHERE id = ?', toProject, id);
  }

  async findProject(name: string): Promise<Project | null> {
    return this.one('SELECT * FROM projects WHERE name = ?', toProject, name);
  }

  async listProjects(): Promise<Project[]> {
    return (await this.db.all<ProjectRow>('SELECT * FROM projects ORDER BY name')).map(toProject);
  }

  async insertUser(user: User): Promise<void> {
    await this.db.run(
      'INSERT INTO users (id, name, enabled, password_hash, failed_logins, last_failed_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [user.id, user.name, user.enabled ? 1 : 0, user.password_hash, user.failed_logins, user.last_failed_at, user.created_at],
    );
  }

  async getUser(id: string): Promise<User | null> {
    return this.one('SELECT * FROM users WHERE id = ?', toUser, id);
  }

  async findUser(name: string): Promise<User | null> {
    return this.one('SELECT * FROM users WHERE name = ?', toUser, name);
  }

  async listUsers(): Promise<User[]> {
    return (await this.db.all<UserRow>('SELECT * FROM users ORDER BY name')).map(toUser);
  }

  async countLoginAttempt(userId: string, at: string, limit: number, lockedAfter: string): Promise<boolean> {
    // One statement, so that of attempts made at once (from several processes too) no more than `limit` pass.
    const counted = await this.db.run(
      'UPDATE users SET failed_logins = CASE WHEN failed_logins >= ? THEN 1 ELSE failed_logins + 1 END, last_failed_at = ? ' +
        'WHERE id = ? AND (failed_logins < ? OR last_failed_at IS NULL OR last_failed_at <= ?)',
      [limit, at, userId, limit, lockedAfter],
    );
    return counted > 0;
  }

  async clearFailedLogins(userId: string): Promise<void> {
    await this.db.run('UPDATE users SET failed_logins = 0, last_failed_at = NULL WHERE id = ? AND failed_logins != 0', [userId]);
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<boolean> {
    return (await this.db.run('UPDATE users SET password_hash = ?, failed_logins = 0, last_failed_at = NULL WHERE id = ?', [passwordHash, userId])) > 0;
  }

  // What refers to the user or project goes first, the row itself last: a delete cut short leaves a row that a
  // second delete finishes, and a login racing it finds no role to scope a token with.
  async deleteUser(userId: string): Promise<boolean> {
    await this.db.run('DELETE FROM role_assignments WHERE user_id = ?', [userId]);
    await this.db.run('DELETE FROM credentials WHERE user_id = ?', [userId]);
    await this.db.run('DELETE FROM tokens WHERE user_id = ?', [userId]);
    return (await this.db.run('DELETE FROM users WHERE id = ?', [userId])) > 0;
  }

  async deleteProject(projectId: string): Promise<boolean> {
    await this.db.run('DELETE FROM role_assignments WHERE project_id = ?', [projectId]);
    await this.db.run('DELETE FROM tokens WHERE project_id = ?', [projectId]);
    return (await this.db.run('DELETE FROM projects WHERE id = ?', [projectId])) > 0;
  }

  async ensureRole(role: Role): Promise<Role> {
    await this.db.run('INSERT INTO roles (id, name) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [role.id, role.name]);
    return (await this.db.all<Role>('SELECT id, name FROM roles WHERE name = ?', [role.name]))[0];
  }

  async listRoles(): Promise<Role[]> {
    return this.db.all<Role>('SELECT id, name FROM roles ORDER BY name');
  }

  async assignRole(userId: string, projectId: string, roleId: string): Promise<void> {
    await this.db.run('INSERT INTO role_assignments (user_id, project_id, role_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [userId, projectId, roleId]);
  }

  async unassignRole(userId: string, projectId: string, roleId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM role_assignments WHERE user_id = ? AND project_id = ? AND role_id = ?', [userId, projectId, roleId])) > 0;
  }

  async rolesOn(userId: string, projectId: string): Promise<Role[]> {
    return this.db.all<Role>(
      'SELECT r.id, r.name FROM role_assignments a JOIN roles r ON r.id = a.role_id WHERE a.user_id = ? AND a.project_id = ? ORDER BY r.name',
      [userId, projectId],
    );
  }

  async projectsOf(userId: string): Promise<Project[]> {
    const rows = await this.db.all<ProjectRow>(
      'SELECT * FROM projects WHERE id IN (SELECT project_id FROM role_assignments WHERE user_id = ?) ORDER BY name',
      [userId],
    );
    return rows.map(toProject);
  }

  async insertToken(token: Token): Promise<void> {
    await this.db.run(
      'INSERT INTO tokens (hash, user_id, project_id, roles, methods, audit_ids, issued_at, expires_at, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        token.hash, token.user_id, token.project_id, JSON.stringify(token.roles), JSON.stringify(token.methods),
        JSON.stringify(token.audit_ids), token.issued_at, token.expires_at, token.revoked ? 1 : 0,
      ],
    );
  }

  async getToken(hash: string): Promise<Token | null> {
    return this.one<TokenRow, Token>('SELECT * FROM tokens WHERE hash = ?', toToken, hash);
  }

  async revokeToken(hash: string): Promise<boolean> {
    return (await this.db.run('UPDATE tokens SET revoked = 1 WHERE hash = ?', [hash])) > 0;
  }

  async revokeTokensOf(userId: string, projectId?: string): Promise<number> {
    if (projectId === undefined) return this.db.run('UPDATE tokens SET revoked = 1 WHERE user_id = ? AND revoked = 0', [userId]);
    return this.db.run('UPDATE tokens SET revoked = 1 WHERE user_id = ? AND project_id = ? AND revoked = 0', [userId, projectId]);
  }

  async purgeTokens(before: string): Promise<number> {
    return this.db.run('DELETE FROM tokens WHERE expires_at < ?', [before]);
  }

  async insertCredential(credential: Credential): Promise<void> {
    await this.db.run('INSERT INTO credentials (access, user_id, sealed_secret, created_at) VALUES (?, ?, ?, ?)', [
      credential.access, credential.user_id, credential.sealed_secret, credential.created_at,
    ]);
  }

  async getCredential(access: string): Promise<Credential | null> {
    return this.one<Credential, Credential>('SELECT * FROM credentials WHERE access = ?', (row) => row, access);
  }

  async listCredentials(userId?: string): Promise<Credential[]> {
    const order = 'ORDER BY created_at, access';
    if (userId === undefined) return this.db.all<Credential>(`SELECT * FROM credentials ${order}`);
    return this.db.all<Credential>(`SELECT * FROM credentials WHERE user_id = ? ${order}`, [userId]);
  }

  async deleteCredential(access: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM credentials WHERE access = ?', [access])) > 0;
  }

  async newestCredential(): Promise<Credential | null> {
    return this.one<Credential, Credential>('SELECT * FROM credentials ORDER BY created_at DESC, access DESC LIMIT 1', (row) => row);
  }
}
