/** What the identity domain needs of the storage behind it; the SQL backends under src/store/ implement it. */
import type { Credential, Project, Role, Token, User } from './model.js';

/**
 * Users, projects, roles, tokens and credentials. Names are unique (Glint has one domain). Writes
 * here do not change the image catalog's `version()`.
 */
export interface IdentityStore {
  /**
   * Moves with every change, by any process or tool, that can end a token's or an access key's use: a token
   * revoked, a user or project deleted or disabled, a role or an assignment of one removed, a credential
   * removed. New tokens and counted logins leave it. Answered at once where the backend can, and never
   * older than a change of this process's own, nor than one another writer committed longer ago than the
   * backend's bound (SQLite: none; PostgreSQL: REVISION_BOUND_MS), so what was found out about a token at one
   * revision holds while the revision does.
   */
  revision(): string | Promise<string>;
  insertProject(project: Project): Promise<void>;
  getProject(id: string): Promise<Project | null>;
  findProject(name: string): Promise<Project | null>;
  listProjects(): Promise<Project[]>;
  insertUser(user: User): Promise<void>;
  getUser(id: string): Promise<User | null>;
  findUser(name: string): Promise<User | null>;
  listUsers(): Promise<User[]>;
  /**
   * Counts a login attempt at `at` before its password is checked, atomically (however many processes share
   * the store), unless the account is locked: `limit` attempts counted, the last after `lockedAfter`. Counts
   * that an expired lock left start again. False, counting nothing, for a locked account.
   */
  countLoginAttempt(userId: string, at: string, limit: number, lockedAfter: string): Promise<boolean>;
  /** Forgets the attempts counted: a login succeeded, or an operator unlocked the account. */
  clearFailedLogins(userId: string): Promise<void>;
  /** Replaces the user's password hash and forgets their failed logins; false when there is no such user. */
  setPasswordHash(userId: string, passwordHash: string): Promise<boolean>;
  /** Removes the user with their role assignments, credentials and tokens; false when there is no such user. */
  deleteUser(userId: string): Promise<boolean>;
  /** Removes the project with the role assignments on it and the tokens scoped to it; false when there is none. */
  deleteProject(projectId: string): Promise<boolean>;
  /** Adds the role if no role of that name exists; returns the stored one. */
  ensureRole(role: Role): Promise<Role>;
  listRoles(): Promise<Role[]>;
  /** Grants a role on a project (granting it again changes nothing). */
  assignRole(userId: string, projectId: string, roleId: string): Promise<void>;
  /** Takes a role on a project back; false when it was not granted. */
  unassignRole(userId: string, projectId: string, roleId: string): Promise<boolean>;
  /** The user's roles on the project, by name. */
  rolesOn(userId: string, projectId: string): Promise<Role[]>;
  /** Projects on which the user has any role, by name. */
  projectsOf(userId: string): Promise<Project[]>;
  insertToken(token: Token): Promise<void>;
  getToken(hash: string): Promise<Token | null>;
  /** Marks a token revoked; false when there is no such token. */
  revokeToken(hash: string): Promise<boolean>;
  /** Revokes the user's tokens, only those scoped to `projectId` when given; returns how many it revoked. */
  revokeTokensOf(userId: string, projectId?: string): Promise<number>;
  /** Forgets tokens that expired before `before`; returns how many. */
  purgeTokens(before: string): Promise<number>;
  insertCredential(credential: Credential): Promise<void>;
  getCredential(access: string): Promise<Credential | null>;
  /** The credentials, only the user's when given, oldest first. */
  listCredentials(userId?: string): Promise<Credential[]>;
  /** Removes an access key; false when there is no such key. */
  deleteCredential(access: string): Promise<boolean>;
  /** The credential made last; null when there is none. */
  newestCredential(): Promise<Credential | null>;
}

