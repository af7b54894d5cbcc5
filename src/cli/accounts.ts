/** `glint projects|users|credentials`: managing who may log in, on the data directory's catalog. */
import { withServices } from '../app.js';
import type { Config } from '../config.js';
import { IdentityError } from '../identity/errors.js';
import { randomText } from '../identity/random-text.js';
import type { AccountService } from '../identity/accounts.js';
import type { Project, User } from '../identity/model.js';
import { cloudsFile, setCloudPassword } from './clouds-file.js';

/** Runs `work` on the accounts of the data directory's catalog, closing it afterwards. */
function withIdentity<T>(config: Config, work: (identity: AccountService) => Promise<T>): Promise<T> {
  return withServices(config, async ({ accounts }) => {
    // The standard roles exist before anyone is given one, even before the first `serve`.
    await accounts.ensureRoles();
    return work(accounts);
  });
}

const table = (rows: string[][]) => rows.map((row) => row.join('\t')).join('\n');

export async function createProject(config: Config, name: string, options: { description?: string; id?: string }): Promise<string> {
  return withIdentity(config, async (identity) => {
    const project = await identity.createProject(name, options.description ?? '', options.id);
    return `Created project ${project.name} (id ${project.id})`;
  });
}

export async function listProjects(config: Config): Promise<string> {
  return withIdentity(config, async (identity) => table([['id', 'name', 'description'], ...(await identity.listProjects()).map((p) => [p.id, p.name, p.description])]));
}

export async function createUser(
  config: Config,
  name: string,
  options: { password?: string; project?: string; role: string[] },
): Promise<string> {
  return withIdentity(config, async (identity) => {
    const projectId = options.project === undefined ? undefined : (await projectNamed(identity, options.project)).id;
    const password = options.password ?? randomText(16);
    const roles = options.role.length > 0 ? options.role : projectId ? ['member', 'reader'] : [];
    const user = await identity.createUser(name, password, projectId, roles);
    const lines = [`Created user ${user.name} (id ${user.id})${projectId ? ` with roles ${roles.join(', ')} on project ${options.project}` : ''}`];
    if (options.password === undefined) lines.push(`Password (printed only this once): ${password}`);
    return lines.join('\n');
  });
}

export async function listUsers(config: Config): Promise<string> {
  return withIdentity(config, async (identity) => {
    const rows = [['id', 'name', 'projects (roles)']];
    for (const user of await identity.listUsers()) {
      const grants = [];
      for (const project of await identity.projectsOf(user.id)) {
        const roles = await identity.assignedRoles(user.id, project.id);
        grants.push(`${project.name} (${roles.map((r) => r.name).join(', ')})`);
      }
      rows.push([user.id, user.name, grants.join('; ')]);
    }
    return table(rows);
  });
}

/** The user named (or with the id) `ref`; a clear error when there is none. */
async function userNamed(identity: AccountService, ref: string): Promise<User> {
  const user = await identity.userByIdOrName(ref);
  if (!user) throw new IdentityError('not_found', `no user '${ref}'`);
  return user;
}

async function projectNamed(identity: AccountService, ref: string): Promise<Project> {
  const project = await identity.projectByIdOrName(ref);
  if (!project) throw new IdentityError('not_found', `no project '${ref}'`);
  return project;
}

export async function unlockUser(config: Config, userRef: string): Promise<string> {
  return withIdentity(config, async (identity) => {
    const user = await userNamed(identity, userRef);
    await identity.unlock(user.id);
    return `Unlocked user ${user.name}: failed logins forgotten`;
  });
}

export async function setPassword(config: Config, userRef: string, options: { password?: string }): Promise<string> {
  return withIdentity(config, async (identity) => {
    const user = await userNamed(identity, userRef);
    const password = options.password ?? randomText(16);
    await identity.setPassword(user.id, password);
    const lines = [`Set a new password for user ${user.name}: its tokens are revoked, and a lockout is lifted`];
    if (setCloudPassword(config.dataDir, user.name, password)) lines.push(`${cloudsFile(config.dataDir)} logs in with it`);
    if (options.password === undefined) lines.push(`Password (printed only this once): ${password}`);
    return lines.join('\n');
  });
}

export async function deleteUser(config: Config, userRef: string): Promise<string> {
  return withIdentity(config, async (identity) => {
    const user = await userNamed(identity, userRef);
    await identity.deleteUser(user.id);
    return `Deleted user ${user.name} (id ${user.id}) with its roles, access keys and tokens`;
  });
}

export async function deleteProject(config: Config, projectRef: string): Promise<string> {
  return withIdentity(config, async (identity) => {
    const project = await projectNamed(identity, projectRef);
    await identity.deleteProject(project.id);
    return `Deleted project ${project.name} (id ${project.id}) with the roles on it and the tokens scoped to it; its images stay`;
  });
}

export interface RoleGrant {
  user: string;
  project: string;
  role: string;
}

export async function addRole(config: Config, grant: RoleGrant): Promise<string> {
  return withIdentity(config, async (identity) => {
    const user = await userNamed(identity, grant.user);
    const project = await projectNamed(identity, grant.project);
    await identity.grantRole(user.id, project.id, grant.role);
    return `User ${user.name} has role ${grant.role} on project ${project.name}`;
  });
}

export async function removeRole(config: Config, grant: RoleGrant): Promise<string> {
  return withIdentity(config, async (identity) => {
    const user = await userNamed(identity, grant.user);
    const project = await projectNamed(identity, grant.project);
    if (!(await identity.takeRole(user.id, project.id, grant.role))) {
      throw new IdentityError('not_found', `user ${user.name} has no role ${grant.role} on project ${project.name}`);
    }
    return `Took role ${grant.role} on project ${project.name} from user ${user.name}: its tokens on the project are revoked`;
  });
}

export async function listCredentials(config: Config, options: { user?: string }): Promise<string> {
  return withIdentity(config, async (identity) => {
    const user = options.user === undefined ? undefined : await userNamed(identity, options.user);
    const names = new Map((await identity.listUsers()).map((u) => [u.id, u.name]));
    const rows = (await identity.credentials(user?.id)).map((c) => [c.access, names.get(c.user_id) ?? c.user_id, c.created_at]);
    return table([['access key', 'user', 'created'], ...rows]);
  });
}

export async function deleteCredential(config: Config, access: string): Promise<string> {
  return withIdentity(config, async (identity) => {
    await identity.deleteCredential(access);
    return `Deleted access key ${access}: requests signed with it are refused`;
  });
}

export async function createCredential(config: Config, userRef: string): Promise<string> {
  return withIdentity(config, async (identity) => {
    const user = await userNamed(identity, userRef);
    const { access, secret } = await identity.createCredential(user.id);
    return [`Created an access key for user ${user.name}`, `  access key (AK): ${access}`, `  secret key (SK, printed only this once): ${secret}`].join('\n');
  });
}
