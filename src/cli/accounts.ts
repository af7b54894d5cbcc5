/** `glint projects|users|credentials`: managing who may log in, on the data directory's catalog. */
import { withServices } from '../app.js';
import type { Config } from '../config.js';
import { IdentityError } from '../identity/errors.js';
import { randomText } from '../identity/random-text.js';
import type { AccountService } from '../identity/accounts.js';

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
    let projectId: string | undefined;
    if (options.project !== undefined) {
      const project = await identity.projectByIdOrName(options.project);
      if (!project) throw new IdentityError('not_found', `no project '${options.project}'`);
      projectId = project.id;
    }
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

export async function unlockUser(config: Config, userRef: string): Promise<string> {
  return withIdentity(config, async (identity) => {
    const user = await identity.userByIdOrName(userRef);
    if (!user) throw new IdentityError('not_found', `no user '${userRef}'`);
    await identity.unlock(user.id);
    return `Unlocked user ${user.name}: failed logins forgotten`;
  });
}

export async function createCredential(config: Config, userRef: string): Promise<string> {
  return withIdentity(config, async (identity) => {
    const user = await identity.userByIdOrName(userRef);
    if (!user) throw new IdentityError('not_found', `no user '${userRef}'`);
    const { access, secret } = await identity.createCredential(user.id);
    return [`Created an access key for user ${user.name}`, `  access key (AK): ${access}`, `  secret key (SK, printed only this once): ${secret}`].join('\n');
  });
}
