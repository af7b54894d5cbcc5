/**
 * Keystone's account lockout (`[security_compliance] lockout_failure_attempts` and `lockout_duration`, and
 * the per-user option `ignore_lockout_failure_attempts`): off unless configured, as in Keystone.
 */
export interface LockoutPolicy {
  /** Failed logins in a row that lock an account; 0 never locks. */
  attempts: number;
  /** How long an account stays locked after its last failed login. */
  durationSeconds: number;
  /** Names of users whose failed logins are never counted. */
  exempt: string[];
}

/** Whether `userName`'s password checks are counted and limited under `policy`. */
export function countsAttempts(policy: LockoutPolicy, userName: string): boolean {
  return policy.attempts > 0 && !policy.exempt.includes(userName);
}
