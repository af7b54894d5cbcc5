/**
 * Tokens: logging in (passwords, with Keystone's lockout), the tokens every API validates through the store
 * (so several Glint processes on one database agree), and the callers that tokens and access keys stand for.
 * No HTTP in here.
 */
import * as crypto from 'node:crypto';
import type { IdentityStore } from './ports.js';
import { countsAttempts, type LockoutPolicy } from './lockout.js';
import type { RequestContext } from './context.js';
import { forbiddenAction, IdentityError, missingAttribute, unauthorized } from './errors.js';
import { DEFAULT_DOMAIN, timestamp, withImpliedRoles, type Project, type Role, type Token, type User } from './model.js';
import { verifyPassword } from './passwords.js';
import { randomText } from './random-text.js';
import { RevisionCache } from './revision-cache.js';
import type { SecretBox } from './secret-box.js';

export interface DomainRef {
  id?: string;
  name?: string;
}

/** A user or project named by id, or by name within a domain. */
export interface EntityRef {
  id?: string;
  name?: string;
  domain?: DomainRef;
}

/** What a client asks for at `POST /v3/auth/tokens`, already checked for shape by the API. */
export interface LoginRequest {
  methods: string[];
  password?: { user: EntityRef; password: string };
  /** The value of an existing token (the `token` method: rescoping). */
  token?: string;
  /** The project to scope to; none gives an unscoped token. */
  project?: EntityRef;
}

/** A token with everything its rendering names. */
export interface TokenInfo {
  token: Token;
  user: User;
  project: Project | null;
  roles: Role[];
}

export interface IssuedToken {
  /** The token itself: returned to the client once, stored only as a hash. */
  value: string;
  info: TokenInfo;
}

/** Why a token does not validate: never issued here, or issued and now expired or revoked. */
export type TokenRefusal = 'unknown' | 'invalid';

/** How a token check was answered: from what the process keeps (hit) or by asking the store (miss). */
export type TokenCheck = 'hit' | 'miss';

/** Who signs with an access key on a project: the secret their signatures are checked with, and the caller. */
export interface Signer {
  secret: string;
  context: RequestContext;
}

export interface TokenOptions {
  tokenTtlSeconds: number;
  lockout: LockoutPolicy;
  secrets: SecretBox;
  /** Told of every check of a token a request to the compute or image API carries (metrics). */
  tokenChecked?: (result: TokenCheck) => void;
}

/**
 * A token's sha256, computed on every request that carries one: by Node's one-shot `hash` where Node has it
 * (20.12 on), a third of a Hash object's cost.
 */
const hashToken: (value: string) => string =
  typeof crypto.hash === 'function' ? (value) => crypto.hash('sha256', value, 'hex') : (value) => crypto.createHash('sha256').update(value).digest('hex');
const isAdmin = (info: TokenInfo) => info.roles.some((r) => r.name === 'admin');
/** 43 letters and digits: as much randomness as 32 bytes. */
const newTokenValue = () => randomText(43);
/** Keystone's audit ids: 16 random bytes, URL-safe base64 without padding. */
const newAuditId = () => crypto.randomBytes(16).toString('base64url');

/** Callers found once per identity revision; several processes' worth of busy clients fit. */
const KEPT_CALLERS = 100_000;

/** A caller shared by every request that presents the same credentials: frozen, so none can change it for the others. */
function callerOn(user: User, projectId: string, roles: string[]): RequestContext {
  return Object.freeze({ userId: user.id, projectId, roles: Object.freeze([...roles]) as string[], isAdmin: roles.includes('admin') });
}

function inDefaultDomain(domain: DomainRef | undefined): boolean {
  if (!domain) return false;
  if (domain.id !== undefined) return domain.id === DEFAULT_DOMAIN.id;
  return domain.name === DEFAULT_DOMAIN.name;
}

export class TokenService {
  /** Callers by token hash (never the token itself); its hit and miss counts are for metrics. */
  readonly tokenCache = new RevisionCache<RequestContext>(KEPT_CALLERS);
  /** Signers by access key and project. */
  readonly signerCache = new RevisionCache<Signer>(KEPT_CALLERS);

  constructor(
    private readonly store: IdentityStore,
    private readonly options: TokenOptions,
  ) {}

  async login(request: LoginRequest): Promise<IssuedToken> {
    let user: User;
    let methods: string[];
    let expires: Date;
    let parentAudit: string[] = [];
    if (request.methods.includes('password') && request.password) {
      user = await this.checkPassword(request.password.user, request.password.password);
      methods = ['password'];
      expires = this.expiryFromNow();
    } else if (request.methods.includes('token') && request.token !== undefined) {
      // Rescoping keeps the original token's expiry: a token cannot be used to extend itself.
      const parent = await this.validate(request.token);
      if (typeof parent === 'string') throw unauthorized();
      user = parent.user;
      methods = ['token', ...parent.token.methods.filter((m) => m !== 'token')];
      expires = new Date(parent.token.expires_at);
      parentAudit = parent.token.audit_ids.slice(0, 1);
    } else {
      throw unauthorized();
    }

    let project: Project | null = null;
    let roles: Role[] = [];
    if (request.project) {
      project = await this.resolveProject(request.project);
      roles = project?.enabled ? await this.rolesOn(user.id, project.id) : [];
      if (!project || roles.length === 0) throw unauthorized();
    }
    return this.issue(user, project, roles, methods, expires, parentAudit);
  }

  /**
   * A token for a user on a project without a password, living `ttlSeconds` (at most the configured lifetime):
   * the command line's own, for a printed example. Returns the token and when it expires.
   */
  async issueFor(userId: string, projectId: string, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
    const user = await this.store.getUser(userId);
    const project = await this.store.getProject(projectId);
    if (!user || !project) throw new IdentityError('not_found', 'no such user or project');
    const roles = await this.rolesOn(user.id, project.id);
    const expiresAt = new Date(Math.min(new Date().getTime() + ttlSeconds * 1000, this.expiryFromNow().getTime()));
    return { token: (await this.issue(user, project, roles, ['password'], expiresAt)).value, expiresAt };
  }

  private expiryFromNow(): Date {
    return new Date(new Date().getTime() + this.options.tokenTtlSeconds * 1000);
  }

  /** Stores a new token (only its hash) and returns its value once. */
  private async issue(
    user: User,
    project: Project | null,
    roles: Role[],
    methods: string[],
    expires: Date,
    parentAudit: string[] = [],
  ): Promise<IssuedToken> {
    const value = newTokenValue();
    const token: Token = {
      hash: hashToken(value),
      user_id: user.id,
      project_id: project?.id ?? null,
      roles: roles.map((r) => r.name),
      methods,
      audit_ids: [newAuditId(), ...parentAudit],
      issued_at: timestamp(new Date()),
      expires_at: timestamp(expires),
      revoked: false,
    };
    await this.store.insertToken(token);
    return { value, info: { token, user, project, roles } };
  }

  /**
   * The user whose password this is. Every refusal says the same (Keystone's security errors, without
   * `insecure_debug`), and takes as long: an unknown name, a wrong password, a locked or disabled account.
   * Under a lockout, an attempt is counted before its password is checked, so that of attempts made at
   * once no more than the limit are ever checked; a locked account's password is not checked at all.
   */
  private async checkPassword(ref: EntityRef, password: string): Promise<User> {
    let user: User | null;
    if (ref.id !== undefined) {
      user = await this.store.getUser(ref.id);
    } else {
      if (ref.name === undefined) throw missingAttribute('id or name', 'user');
      if (!ref.domain) throw missingAttribute('domain', 'user');
      user = inDefaultDomain(ref.domain) ? await this.store.findUser(ref.name) : null;
    }
    // Without a user to check against (or while the account is locked), the same work is spent on nothing.
    if (!user) {
      await verifyPassword(password, null);
      throw unauthorized();
    }
    const counted = countsAttempts(this.options.lockout, user.name);
    const checkable = !counted || (await this.countAttempt(user));
    const matches = await verifyPassword(password, checkable ? user.password_hash : null);
    if (!checkable || !matches || !user.enabled) throw unauthorized();
    if (counted || user.failed_logins > 0) await this.store.clearFailedLogins(user.id);
    return user;
  }

  /** Counts an attempt at the user's password; false when the account is locked. */
  private countAttempt(user: User): Promise<boolean> {
    const { attempts, durationSeconds } = this.options.lockout;
    const now = new Date();
    const lockedAfter = new Date(now.getTime() - durationSeconds * 1000);
    return this.store.countLoginAttempt(user.id, timestamp(now), attempts, timestamp(lockedAfter));
  }

  private async resolveProject(ref: EntityRef): Promise<Project | null> {
    if (ref.id !== undefined) return this.store.getProject(ref.id);
    if (ref.name === undefined) throw missingAttribute('id or name', 'project');
    if (!ref.domain) throw missingAttribute('domain', 'project');
    return inDefaultDomain(ref.domain) ? this.store.findProject(ref.name) : null;
  }

  /** The token's details, or why it is refused. */
  validate(value: string): Promise<TokenInfo | TokenRefusal> {
    return this.validateHash(hashToken(value));
  }

  /**
   * A token stands for its user while the user, and the project it is scoped to, are enabled, and the user
   * still holds every role it names there: Keystone revokes a user's tokens on a project when a role of theirs
   * there is removed.
   */
  private async validateHash(hash: string): Promise<TokenInfo | TokenRefusal> {
    const token = await this.store.getToken(hash);
    if (!token) return 'unknown';
    if (token.revoked || token.expires_at <= timestamp(new Date())) return 'invalid';
    const user = await this.store.getUser(token.user_id);
    if (!user?.enabled) return 'invalid';
    if (token.project_id === null) return { token, user, project: null, roles: [] };
    const project = await this.store.getProject(token.project_id);
    if (!project?.enabled) return 'invalid';
    const held = await this.rolesOn(user.id, project.id);
    if (!token.roles.every((name) => held.some((role) => role.name === name))) return 'invalid';
    return { token, user, project, roles: held.filter((role) => token.roles.includes(role.name)) };
  }

  /** Revokes a token; false when it was not a valid one. */
  async revoke(value: string): Promise<boolean> {
    const info = await this.validate(value);
    if (typeof info === 'string') return false;
    return this.store.revokeToken(info.token.hash);
  }

  /**
   * The caller a token stands for at the compute and image APIs: only a valid, project-scoped token
   * (the APIs act on a project) gives one. Found once per identity revision and kept by the token's hash until
   * it expires, so a repeated token costs a hash and a revision read (at once on SQLite: no promise to wait for).
   */
  contextOf(value: string): RequestContext | null | Promise<RequestContext | null> {
    const hash = hashToken(value);
    return this.atRevision((revision) => {
      const kept = this.tokenCache.get(hash, revision);
      this.options.tokenChecked?.(kept ? 'hit' : 'miss');
      return kept ?? this.findContext(hash, revision);
    });
  }

  private async findContext(hash: string, revision: string): Promise<RequestContext | null> {
    const info = await this.validateHash(hash);
    if (typeof info === 'string' || info.project === null) return null;
    const context = callerOn(info.user, info.project.id, info.token.roles);
    this.tokenCache.put(hash, revision, context, Date.parse(info.token.expires_at));
    return context;
  }

  /**
   * Who signs with an access key, acting on a project (AK/SK): the secret that checks the signature and the
   * caller it stands for; null for an unknown key, a disabled user or one without a role there. Kept while
   * the identity revision holds.
   */
  signer(access: string, projectId: string): Signer | null | Promise<Signer | null> {
    const key = `${access} ${projectId}`;
    return this.atRevision((revision) => this.signerCache.get(key, revision) ?? this.findSigner(access, projectId, key, revision));
  }

  private async findSigner(access: string, projectId: string, key: string, revision: string): Promise<Signer | null> {
    const credential = await this.credential(access);
    if (!credential) return null;
    const roles = (await this.rolesOn(credential.user.id, projectId)).map((r) => r.name);
    if (roles.length === 0) return null;
    const signer = { secret: credential.secret, context: callerOn(credential.user, projectId, roles) };
    this.signerCache.put(key, revision, signer);
    return signer;
  }

  /** Runs `use` with the identity revision: at once when the store reads it at once. */
  private atRevision<T>(use: (revision: string) => T | Promise<T>): T | Promise<T> {
    const revision = this.store.revision();
    return typeof revision === 'string' ? use(revision) : revision.then(use);
  }

  /** The user's roles on a project, those its assignments imply included, as Keystone lists them in a token. */
  private async rolesOn(userId: string, projectId: string): Promise<Role[]> {
    const assigned = await this.store.rolesOn(userId, projectId);
    if (assigned.length === 0) return [];
    const names = withImpliedRoles(assigned.map((role) => role.name));
    return (await this.store.listRoles()).filter((role) => names.includes(role.name));
  }

  /** Forgets expired tokens; they can no longer be used, only take space. */
  async purgeExpiredTokens(): Promise<number> {
    return this.store.purgeTokens(timestamp(new Date()));
  }

  /** The caller a token stands for; an unknown, expired or revoked token is refused. */
  async caller(token: string | undefined): Promise<TokenInfo> {
    const info = token === undefined ? 'unknown' : await this.validate(token);
    if (typeof info === 'string') throw unauthorized();
    return info;
  }

  /** A token the caller asks about (`X-Subject-Token`): its own, or any for an admin. */
  async subject(caller: TokenInfo, value: string | undefined, action: string): Promise<TokenInfo> {
    if (value === undefined) throw missingAttribute('X-Subject-Token', 'header');
    const info = await this.validate(value);
    if (info === 'unknown') throw new IdentityError('not_found', 'Could not recognize Fernet token');
    if (info === 'invalid') throw new IdentityError('not_found', 'Failed to validate token');
    if (!isAdmin(caller) && caller.user.id !== info.user.id) throw forbiddenAction(action);
    return info;
  }

  /** The secret key of an access key, and whose it is; null for an unknown key or a disabled user. */
  private async credential(access: string): Promise<{ secret: string; user: User } | null> {
    const credential = await this.store.getCredential(access);
    if (!credential) return null;
    const user = await this.store.getUser(credential.user_id);
    const secret = this.options.secrets.open(credential.sealed_secret);
    return user?.enabled && secret !== null ? { secret, user } : null;
  }
}
