/**
 * Profiles: `openstack` answers exactly as the recorded reference deployment; `huawei` follows
 * Huawei Cloud's documents where they are explicit (spec README, decision 1).
 */
/** A compute API microversion, `major.minor`. */
export interface Version {
  major: number;
  minor: number;
}

export type ProfileName = 'huawei' | 'openstack';

export interface Profile {
  name: ProfileName;
  maxComputeVersion: Version;
  /** Huawei's documented alternate link carries the project: `<image endpoint>/<project>/images/<id>`. */
  alternateWithProject: boolean;
}

export const PROFILES: Record<ProfileName, Profile> = {
  openstack: { name: 'openstack', maxComputeVersion: { major: 2, minor: 93 }, alternateWithProject: false },
  huawei: { name: 'huawei', maxComputeVersion: { major: 2, minor: 60 }, alternateWithProject: true },
};
