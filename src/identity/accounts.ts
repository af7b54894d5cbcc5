/**
 * Accounts: the users, projects, roles and access keys the identity store keeps, as the command line makes
 * them, and what a caller may look up of them (Keystone's read calls, with their permission checks).
 * No HTTP in here.
 */
import type { IdentityStore } from './ports.js';
import { forbiddenAction, IdentityError } from './errors.js';
import { DEFAULT_DOMAIN, newId, ROLE_NAMES, timestamp, type Credential, type Project, type Role, type User } from './model.js';
import { hashPassword } from './passwords.js';
import { randomText } from './random-text.js';
import type { SecretBox } from './secret-box.js';
import type { TokenInfo } from './tokens.js';

const isAdmin = (info: TokenInfo) => info.roles.some((r) => r.name === 'admin');

/** Refuses a call that is an admin's, naming its Keystone policy rule. */
function requireAdmin(caller: TokenInfo, action: string): void {
  if (!isAdmin(caller)) throw forbiddenAction(action);
}

export class AccountService {
  constructor(
    private readonly store: IdentityStore,
    private readonly secrets: SecretBox,
  ) {}

  async ensureRoles(): Promise<void> {
    for (const name of ROLE_NAMES) await this.store.ensureRole({ id: newId(), name });
  }

  /** The three standard roles and, if there is no user `admin` yet, the admin user and project. */
  async bootstrap(password: string | undefined, projectId = newId()): Promise<{ created: boolean; password?: string }> {
    await this.ensureRoles();
    if (await this.store.findUser('admin')) return { created: false };
    const chosen = password ?? randomText(16);
    const project = (await this.store.findProject('admin')) ?? (await this.createProject('admin', 'Bootstrap project for initializing the cloud.', projectId));
    await this.createUser('admin', chosen, project.id, [...ROLE_NAMES]);
    return { created: true, password: password === undefined ? chosen : undefined };
  }

  async createProject(name: string, description = '', id = newId()): Promise<Project> {
    if (!/^[0-9a-f]{32}$/.test(id)) throw new IdentityError('bad_request', `project id '${id}' is not 32 hex digits`);
    if (await this.store.findProject(name)) throw new IdentityError('conflict', `a project named '${name}' exists`);
    if (await this.store.getProject(id)) throw new IdentityError('conflict', `a project with id '${id}' exists`);
    const project: Project = { id, name, description, enabled: true, created_at: timestamp(new Date()) };
    await this.store.insertProject(project);
    return project;
  }

  /** A user, with `roles` on `projectId` when given (each role must exist). */
  async createUser(name: string, password: string | null, projectId?: string, roles: string[] = []): Promise<User> {
    if (await this.store.findUser(name)) throw new IdentityError('conflict', `a user named '${name}' exists`);
    const grants = projectId === undefined ? [] : await this.rolesNamed(roles);
    if (projectId !== undefined && !(await this.store.getProject(projectId))) throw new IdentityError('not_found', `no project '${projectId}'`);
    const user: User = {
      id: newId(),
      name,
      enabled: true,
      password_hash: password === null ? null : await hashPassword(password),
      failed_logins: 0,
      last_failed_at: null,
      created_at: timestamp(new Date()),
    };
    await this.store.insertUser(user);
    for (const role of grants) await this.store.assignRole(user.id, projectId!, role.id);
    return user;
  }

  private async rolesNamed(names: string[]): Promise<Role[]> {
    const known = await this.store.listRoles();
    return names.map((name) => {
      const role = known.find((r) => r.name === name);
      if (!role) throw new IdentityError('not_found', `no role '${name}' (roles: ${known.map((r) => r.name).join(', ')})`);
      return role;
    });
  }

  listProjects(): Promise<Project[]> {
    return this.store.listProjects();
  }

  listUsers(): Promise<User[]> {
    return this.store.listUsers();
  }

  /** Projects on which the user has any role. */
  projectsOf(userId: string): Promise<Project[]> {
    return this.store.projectsOf(userId);
  }

  /** The roles assigned to the user on the project (not those they imply). */
  assignedRoles(userId: string, projectId: string): Promise<Role[]> {
    return this.store.rolesOn(userId, projectId);
  }

  getProject(id: string): Promise<Project | null> {
    return this.store.getProject(id);
  }

  getUser(id: string): Promise<User | null> {
    return this.store.getUser(id);
  }

  findUser(name: string): Promise<User | null> {
    return this.store.findUser(name);
  }

  /** Every project: an admin's listing. */
  allProjects(caller: TokenInfo): Promise<Project[]> {
    requireAdmin(caller, 'identity:list_projects');
    return this.store.listProjects();
  }

  /** Every user: an admin's listing. */
  allUsers(caller: TokenInfo): Promise<User[]> {
    requireAdmin(caller, 'identity:list_users');
    return this.store.listUsers();
  }

  /** Every role: an admin's listing. */
  allRoles(caller: TokenInfo): Promise<Role[]> {
    requireAdmin(caller, 'identity:list_roles');
    return this.store.listRoles();
  }

  /** The domains (Glint has the one): an admin's listing. */
  domains(caller: TokenInfo): (typeof DEFAULT_DOMAIN)[] {
    requireAdmin(caller, 'identity:list_domains');
    return [DEFAULT_DOMAIN];
  }

  /** The projects a user has roles on: the caller's own, or anyone's for an admin. */
  async projectsOfUser(caller: TokenInfo, userId: string): Promise<Project[]> {
    if (!isAdmin(caller) && caller.user.id !== userId) throw forbiddenAction('identity:list_user_projects');
    if (!(await this.store.getUser(userId))) throw new IdentityError('not_found', `Could not find user: ${userId}.`);
    return this.store.projectsOf(userId);
  }

  /** A project: the one the caller's token is scoped to, or any for an admin. */
  async project(caller: TokenInfo, projectId: string): Promise<Project> {
    if (!isAdmin(caller) && caller.project?.id !== projectId) throw forbiddenAction('identity:get_project');
    const project = await this.store.getProject(projectId);
    if (!project) throw new IdentityError('not_found', `Could not find project: ${projectId}.`);
    return project;
  }

  /** A user: the caller itself, or any for an admin. */
  async user(caller: TokenInfo, userId: string): Promise<User> {
    if (!isAdmin(caller) && caller.user.id !== userId) throw forbiddenAction('identity:get_user');
    const user = await this.store.getUser(userId);
    if (!user) throw new IdentityError('not_found', `Could not find user: ${userId}.`);
    return user;
  }

  /** A project by id or, failing that, by name. */
  async projectByIdOrName(ref: string): Promise<Project | null> {
    return (await this.store.getProject(ref)) ?? (await this.store.findProject(ref));
  }

  async userByIdOrName(ref: string): Promise<User | null> {
    return (await this.store.getUser(ref)) ?? (await this.store.findUser(ref));
  }

  /** A new access key / secret key pair for the user; the secret is shown to the caller once and kept sealed. */
  async createCredential(userId: string): Promise<{ access: string; secret: string }> {
    if (!(await this.store.getUser(userId))) throw new IdentityError('not_found', `no user '${userId}'`);
    // Huawei's access keys are 20 upper-case letters and digits; their secrets 40 characters.
    const access = randomText(20, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
    const secret = randomText(40);
    await this.store.insertCredential({ access, user_id: userId, sealed_secret: this.secrets.seal(secret), created_at: timestamp(new Date()) });
    return { access, secret };
  }

  /**
   * Whether this process's key opens the secrets in the catalog (true while it holds none): processes that
   * serve one catalog with different keys each refuse the access keys the others made.
   */
  async opensCatalogSecrets(): Promise<boolean> {
    const newest = await this.store.newestCredential();
    return !newest || this.secrets.open(newest.sealed_secret) !== null;
  }

  /**
   * Gives the user a new password, which also lifts a lockout. Their tokens are revoked, as Keystone revokes
   * them on a password change: whoever held the old password holds nothing more.
   */
  async setPassword(userId: string, password: string): Promise<void> {
    if (!(await this.store.setPasswordHash(userId, await hashPassword(password)))) throw new IdentityError('not_found', `no user '${userId}'`);
    await this.store.revokeTokensOf(userId);
  }

  /** Removes a user with their roles, access keys and tokens: what they could do ends at once. */
  async deleteUser(userId: string): Promise<void> {
    if (!(await this.store.deleteUser(userId))) throw new IdentityError('not_found', `no user '${userId}'`);
  }

  /** Removes a project with the roles on it and the tokens scoped to it; its images stay, as Keystone leaves them. */
  async deleteProject(projectId: string): Promise<void> {
    if (!(await this.store.deleteProject(projectId))) throw new IdentityError('not_found', `no project '${projectId}'`);
  }

  /** Gives the user a role on the project (giving it again changes nothing). */
  async grantRole(userId: string, projectId: string, roleName: string): Promise<void> {
    const [role] = await this.rolesNamed([roleName]);
    await this.store.assignRole(userId, projectId, role.id);
  }

  /**
   * Takes a role on the project back from the user. Their tokens on the project are revoked, as Keystone
   * revokes them: a token lists the roles it was issued with. False when the user did not have the role.
   */
  async takeRole(userId: string, projectId: string, roleName: string): Promise<boolean> {
    const [role] = await this.rolesNamed([roleName]);
    if (!(await this.store.unassignRole(userId, projectId, role.id))) return false;
    await this.store.revokeTokensOf(userId, projectId);
    return true;
  }

  /** The access keys (their secrets stay sealed), only the user's when given. */
  credentials(userId?: string): Promise<Credential[]> {
    return this.store.listCredentials(userId);
  }

  /** Removes an access key: requests signed with it are refused from then on. */
  async deleteCredential(access: string): Promise<void> {
    if (!(await this.store.deleteCredential(access))) throw new IdentityError('not_found', `no access key '${access}'`);
  }

  /** Lets a locked user log in again at once, as an expired lockout does. */
  async unlock(userId: string): Promise<void> {
    await this.store.clearFailedLogins(userId);
  }
}
