/** Who may log in, where, with which roles: the identity records the store keeps. */
import { randomUUID } from 'node:crypto';

/** Keystone's ids: a UUID's 32 hex digits. */
export const newId = () => randomUUID().replaceAll('-', '');

/** Keystone's timestamps: whole seconds, written with six zero decimals. */
export function timestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}.000000Z`;
}

/** Glint has the one domain Keystone creates on bootstrap. */
export const DEFAULT_DOMAIN = { id: 'default', name: 'Default' } as const;

/** The roles every deployment has (Keystone's bootstrap creates the same three). */
export const ROLE_NAMES = ['admin', 'member', 'reader'] as const;

/** The role each role implies, as Keystone's bootstrap sets them up: admin ⊃ member ⊃ reader. */
const IMPLIED: Readonly<Record<string, string>> = { admin: 'member', member: 'reader' };

/** The names of `roles` and of every role they imply, in name order, as a token lists them. */
export function withImpliedRoles(roles: readonly string[]): string[] {
  const all = new Set<string>();
  for (const granted of roles) {
    for (let role: string | undefined = granted; role !== undefined && !all.has(role); role = IMPLIED[role]) all.add(role);
  }
  return [...all].sort();
}

export interface Project {
  /** 32 lower-case hex digits, as the compute API's routes require. */
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  created_at: string;
}

export interface User {
  id: string;
  name: string;
  enabled: boolean;
  /** scrypt parameters, salt and hash; never the password. Null: the user cannot log in with a password. */
  password_hash: string | null;
  /** Consecutive failed logins since the last successful one. */
  failed_logins: number;
  last_failed_at: string | null;
  created_at: string;
}

export interface Role {
  id: string;
  name: string;
}

export interface Token {
  /** sha256 of the token value; the value itself is never stored. */
  hash: string;
  user_id: string;
  /** Null for an unscoped token. */
  project_id: string | null;
  /** Role names on the project when the token was issued. */
  roles: string[];
  methods: string[];
  audit_ids: string[];
  issued_at: string;
  expires_at: string;
  revoked: boolean;
}

/** An access key / secret key pair for request signing (Huawei AK/SK). */
export interface Credential {
  access: string;
  user_id: string;
  /** The secret key, sealed with the data directory's key (see identity/secret-box.ts). */
  sealed_secret: string;
  created_at: string;
}
