/**
 * `DATA_DIR/clouds.yaml`: the clouds `glint-admin` and `glint-demo` for the openstack CLI and openstacksdk, with
 * the passwords Glint generated, so that logging in is `export OS_CLIENT_CONFIG_FILE=… OS_CLOUD=…` and no password
 * ever needs typing. Written as JSON, which is YAML too, so a later start reads it back without a YAML parser
 * when it moves the identity URL or adds a cloud.
 */
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../config.js';

export type CloudName = 'glint-admin' | 'glint-demo';

/** A user of the cloud's project; the password when Glint made it (an operator's own is not written down). */
export interface CloudAccount {
  cloud: CloudName;
  username: string;
  projectName: string;
  password?: string;
}

interface CloudEntry {
  auth: { auth_url: string; username: string; password?: string; project_name: string; user_domain_name: string; project_domain_name: string };
  region_name: string;
  interface: string;
  identity_api_version: number;
}

/** The identity API's region and domain, as its token catalog names them. */
const REGION = 'RegionOne';
const DOMAIN = 'Default';

export const cloudsFile = (dataDir: string) => resolve(join(dataDir, 'clouds.yaml'));

function readClouds(file: string): Record<string, CloudEntry> {
  if (!existsSync(file)) return {};
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { clouds: Record<string, CloudEntry> }).clouds;
  } catch (err) {
    throw new ConfigError(`${file} is not the clouds file Glint writes (${(err as Error).message}): move it away, and start again`);
  }
}

/** A new file, closed to others whatever the umask, renamed over the old: a reader never sees half of it. */
function save(file: string, clouds: Record<string, CloudEntry>): void {
  const partial = `${file}.partial`;
  writeFileSync(partial, `${JSON.stringify({ clouds }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(partial, 0o600);
  renameSync(partial, file);
}

/** Writes a user's new password into the clouds that log in as them; whether the file holds any. */
export function setCloudPassword(dataDir: string, username: string, password: string): boolean {
  const file = cloudsFile(dataDir);
  const clouds = readClouds(file);
  const theirs = Object.values(clouds).filter((entry) => entry.auth.username === username);
  for (const entry of theirs) entry.auth.password = password;
  if (theirs.length > 0) save(file, clouds);
  return theirs.length > 0;
}

/**
 * Writes the clouds file with `accounts` and the clouds it held before, all pointed at `authUrl`; a password
 * already written is kept unless `accounts` brings a new one. Returns the clouds it holds a password for.
 */
export function writeClouds(dataDir: string, authUrl: string, accounts: CloudAccount[]): CloudName[] {
  const file = cloudsFile(dataDir);
  const clouds = readClouds(file);
  for (const { cloud, username, projectName, password } of accounts) {
    const known = clouds[cloud]?.auth;
    const kept = known?.username === username ? known.password : undefined;
    clouds[cloud] = {
      auth: {
        auth_url: authUrl, username, password: password ?? kept, project_name: projectName,
        user_domain_name: DOMAIN, project_domain_name: DOMAIN,
      },
      region_name: REGION,
      interface: 'public',
      identity_api_version: 3,
    };
  }
  for (const entry of Object.values(clouds)) entry.auth.auth_url = authUrl;
  save(file, clouds);
  return Object.entries(clouds).flatMap(([name, entry]) => (entry.auth.password === undefined ? [] : [name as CloudName]));
}

/** A word the shell takes as it is: quoted when it holds anything but path characters. */
const shellWord = (word: string) => (/^[\w./:@%+=-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/** The line that, pasted into a shell, points the openstack CLI at `cloud`. */
export function exportLine(dataDir: string, cloud: CloudName): string {
  return `export OS_CLIENT_CONFIG_FILE=${shellWord(cloudsFile(dataDir))} OS_CLOUD=${cloud}`;
}
