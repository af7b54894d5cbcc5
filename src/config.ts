/** The one typed configuration of a Glint process, with its defaults. */
import { resolve } from 'node:path';
import { PROFILES, type Profile, type ProfileName } from './profile.js';

export type AuthMode = 'noauth';

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
}

export const DEFAULTS = {
  profile: 'huawei' as ProfileName,
  auth: 'noauth' as AuthMode,
  host: '127.0.0.1',
  computePort: 8774,
  imagePort: 9292,
  identityPort: 5000,
  dataDir: 'data',
  logLevel: 'warn',
  maxUploadBytes: 1024 ** 4,
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

function byteCount(name: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new ConfigError(`${name} must be a number of bytes, got '${value}'`);
  return n;
}

/** Flags win over `GLINT_*` environment variables, which win over the defaults. */
export function loadConfig(input: ConfigInput, env: NodeJS.ProcessEnv = process.env): Config {
  const profileName = input.profile ?? env.GLINT_PROFILE ?? DEFAULTS.profile;
  if (!(profileName in PROFILES)) throw new ConfigError(`unknown profile '${profileName}' (huawei or openstack)`);
  const auth = input.auth ?? env.GLINT_AUTH ?? DEFAULTS.auth;
  if (auth !== 'noauth') throw new ConfigError(`unknown auth mode '${auth}' (noauth)`);
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
    maxUploadBytes: byteCount('--max-upload-bytes', input.maxUploadBytes ?? env.GLINT_MAX_UPLOAD_BYTES, DEFAULTS.maxUploadBytes),
  };
}
