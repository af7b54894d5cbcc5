/** The one typed configuration of a Glint process, with its defaults. */
import { resolve } from 'node:path';
import { DEFAULT_LIMITS, type RequestLimits } from './api/common/request-limits.js';
import type { LockoutPolicy } from './identity/lockout.js';
import { POLICY_MODES, type PolicyMode } from './catalog/policy.js';
import { PROFILES, type Profile, type ProfileName } from './profile.js';

export type AuthMode = 'keystone' | 'noauth';

export const SERVICE_NAMES = ['compute', 'image', 'identity'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface Config {
  profile: Profile;
  auth: AuthMode;
  host: string;
  computePort: number;
  imagePort: number;
  identityPort: number;
  dataDir: string;
  logLevel: string;
  /** Largest image upload accepted (bytes); larger ones get 413. */
  maxUploadBytes: number;
  /** Inspect uploaded disk images (format, virtual size, unsafe features). */
  inspect: boolean;
  /**
   * Let web-download imports fetch from internal addresses (loopback, private, link-local…) on any port; by
   * default only public addresses on ports 80 and 443 are fetched from.
   */
  webDownloadAllowInternal: boolean;
  /**
   * Public base URL of each service, as handed out in the identity catalog and in links (e.g. behind a
   * proxy); a service without one is addressed on the host name the client used and its own port.
   */
  publicUrls: Partial<Record<ServiceName, string>>;
  /** Lifetime of an issued token. */
  tokenTtlSeconds: number;
  lockout: LockoutPolicy;
  /** Which rules decide who may do what with images: the secure-RBAC defaults, or the legacy ones the recorded deployment ran. */
  policy: PolicyMode;
  /** What one client may hold of a listener: connections, and the time its request body may take. */
  limits: RequestLimits;
  /** The catalog database: a `postgres://` URL, or undefined for the SQLite file in `dataDir`. */
  database?: string;
  /** Where image bytes go: an `s3://bucket?endpoint=…` URL, or undefined for `dataDir/images`. */
  blobs?: string;
  /** Processes serving the APIs (Node cluster workers sharing the listeners); 1 serves from this process. */
  workers: number;
  /** The listeners that serve `/metrics`; none (metrics off) by default. */
  metrics: ServiceName[];
}

export const DEFAULTS = {
  profile: 'huawei' as ProfileName,
  auth: 'keystone' as AuthMode,
  host: '127.0.0.1',
  computePort: 8774,
  imagePort: 9292,
  identityPort: 5000,
  dataDir: 'data',
  logLevel: 'warn',
  maxUploadBytes: 1024 ** 4,
  tokenTtlSeconds: 12 * 3600,
  // Keystone's `lockout_failure_attempts` is unset by default: no lockout unless asked for.
  lockoutAttempts: 0,
  lockoutDurationSeconds: 1800,
  policy: 'secure' as PolicyMode,
  bodyTimeoutSeconds: DEFAULT_LIMITS.bodyTimeoutMs / 1000,
  maxConnections: DEFAULT_LIMITS.maxConnections,
};

export interface ConfigInput {
  profile?: string;
  auth?: string;
  host?: string;
  computePort?: string | number;
  imagePort?: string | number;
  identityPort?: string | number;
  dataDir?: string;
  logLevel?: string;
  maxUploadBytes?: string | number;
  inspect?: string;
  /** A flag on the command line, on or off in the environment. */
  webDownloadAllowInternal?: boolean;
  computeUrl?: string;
  imageUrl?: string;
  identityUrl?: string;
  tokenTtl?: string | number;
  lockoutAttempts?: string | number;
  lockoutDuration?: string | number;
  /** User names never locked out, comma-separated or repeated. */
  lockoutExempt?: string | string[];
  policy?: string;
  bodyTimeout?: string | number;
  maxConnections?: string | number;
  database?: string;
  blobs?: string;
  workers?: string | number;
  /** Listeners serving `/metrics`, comma-separated. */
  metrics?: string;
}

export class ConfigError extends Error {}

function port(name: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${name} must be a port number (0-65535), got '${value}'`);
  return n;
}

function onOff(name: string, value: string): boolean {
  if (value !== 'on' && value !== 'off') throw new ConfigError(`${name} must be on or off, got '${value}'`);
  return value === 'on';
}

/** A whole number option's value, at least `min`. */
export function wholeNumber(name: string, value: string | number, min = 0): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`${name} must be a whole number of at least ${min}, got '${value}'`);
  return n;
}

function count(name: string, value: string | number | undefined, fallback: number, min = 0): number {
  return value === undefined ? fallback : wholeNumber(name, value, min);
}

/** A list of names, given comma-separated or as a repeated option. */
function names(value: string | string[] | undefined): string[] {
  return [value ?? []].flat().flatMap((item) => item.split(',')).map((name) => name.trim()).filter(Boolean);
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(`${name} must be ${allowed.join(' or ')}, got '${value}'`);
  return value as T;
}

/** A public base URL: absolute http(s), kept without a trailing slash so paths can be appended. */
function publicUrl(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an absolute http(s) URL, got '${value}'`);
  let end = url.href.length;
  while (url.href[end - 1] === '/') end--;
  return url.href.slice(0, end);
}

/** A URL option whose scheme must be one of `schemes`. */
function urlOption(name: string, value: string | undefined, schemes: string[]): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be a URL (${schemes.join(' or ')}), got '${value}'`);
  }
  if (!schemes.includes(url.protocol.slice(0, -1))) throw new ConfigError(`${name} must be a URL (${schemes.join(' or ')}), got '${value}'`);
  return value;
}

/** Flags win over `GLINT_*` environment variables, which win over the defaults. */
export function loadConfig(input: ConfigInput, env: NodeJS.ProcessEnv = process.env): Config {
  const profileName = input.profile ?? env.GLINT_PROFILE ?? DEFAULTS.profile;
  if (!(profileName in PROFILES)) throw new ConfigError(`unknown profile '${profileName}' (huawei or openstack)`);
  const auth = input.auth ?? env.GLINT_AUTH ?? DEFAULTS.auth;
  if (auth !== 'keystone' && auth !== 'noauth') throw new ConfigError(`unknown auth mode '${auth}' (keystone or noauth)`);
  const publicUrls: Config['publicUrls'] = {};
  for (const [service, value] of [
    ['compute', input.computeUrl ?? env.GLINT_COMPUTE_URL],
    ['image', input.imageUrl ?? env.GLINT_IMAGE_URL],
    ['identity', input.identityUrl ?? env.GLINT_IDENTITY_URL],
  ] as const) {
    const url = publicUrl(`--${service}-url`, value);
    if (url) publicUrls[service] = url;
  }
  return {
    profile: PROFILES[profileName as ProfileName],
    auth,
    host: input.host ?? env.GLINT_HOST ?? DEFAULTS.host,
    computePort: port('--compute-port', input.computePort ?? env.GLINT_COMPUTE_PORT, DEFAULTS.computePort),
    imagePort: port('--image-port', input.imagePort ?? env.GLINT_IMAGE_PORT, DEFAULTS.imagePort),
    identityPort: port('--identity-port', input.identityPort ?? env.GLINT_IDENTITY_PORT, DEFAULTS.identityPort),
    dataDir: resolve(input.dataDir ?? env.GLINT_DATA_DIR ?? DEFAULTS.dataDir),
    logLevel: input.logLevel ?? env.GLINT_LOG_LEVEL ?? DEFAULTS.logLevel,
    // The reference deployment does not inspect uploads, so the profile that answers as it does
    // leaves inspection off unless asked; the default profile inspects.
    inspect: onOff('--inspect', input.inspect ?? env.GLINT_INSPECT ?? (profileName === 'openstack' ? 'off' : 'on')),
    maxUploadBytes: count('--max-upload-bytes', input.maxUploadBytes ?? env.GLINT_MAX_UPLOAD_BYTES, DEFAULTS.maxUploadBytes),
    webDownloadAllowInternal: input.webDownloadAllowInternal ?? onOff('GLINT_WEB_DOWNLOAD_ALLOW_INTERNAL', env.GLINT_WEB_DOWNLOAD_ALLOW_INTERNAL ?? 'off'),
    publicUrls,
    tokenTtlSeconds: count('--token-ttl', input.tokenTtl ?? env.GLINT_TOKEN_TTL, DEFAULTS.tokenTtlSeconds, 1),
    lockout: {
      attempts: count('--lockout-attempts', input.lockoutAttempts ?? env.GLINT_LOCKOUT_ATTEMPTS, DEFAULTS.lockoutAttempts),
      durationSeconds: count('--lockout-duration', input.lockoutDuration ?? env.GLINT_LOCKOUT_DURATION, DEFAULTS.lockoutDurationSeconds, 1),
      exempt: names(input.lockoutExempt ?? env.GLINT_LOCKOUT_EXEMPT),
    },
    policy: oneOf('--policy', input.policy ?? env.GLINT_POLICY ?? DEFAULTS.policy, POLICY_MODES),
    limits: {
      bodyTimeoutMs: count('--body-timeout', input.bodyTimeout ?? env.GLINT_BODY_TIMEOUT, DEFAULTS.bodyTimeoutSeconds, 1) * 1000,
      maxConnections: count('--max-connections', input.maxConnections ?? env.GLINT_MAX_CONNECTIONS, DEFAULTS.maxConnections, 1),
    },
    database: urlOption('--database', input.database ?? env.GLINT_DATABASE, ['postgres', 'postgresql']),
    blobs: urlOption('--blobs', input.blobs ?? env.GLINT_BLOBS, ['s3']),
    workers: count('--workers', input.workers ?? env.GLINT_WORKERS, 1, 1),
    metrics: names(input.metrics ?? env.GLINT_METRICS).map((name) => oneOf('--metrics', name, SERVICE_NAMES)),
  };
}
