import { createHmac, randomBytes } from 'node:crypto';

/** After a rotation, the previous secret still signs (a second signature) for this long. */
export const ROTATION_GRACE_MS = 24 * 3600 * 1000;

/** A project's salt: random, base64url. Rotating a project's secret is drawing a new one. */
export function newSalt(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A project's job-webhook secret, `whsec_<base64>` as Standard Webhooks spells it: derived from the master key
 * (WEBHOOK_SECRETS_KEY), the project and its salt, so the database never holds a secret.
 */
export function deriveProjectSecret(masterKey: string, project: string, salt: string): string {
  // A salt never holds a newline, so the project and salt are told apart even if a project name does.
  const key = createHmac('sha256', masterKey).update(`${project}\n${salt}`, 'utf8').digest('base64');
  return `whsec_${key}`;
}

export interface ProjectSalts {
  salt: string;
  previous_salt: string | null;
  rotated_at: Date;
}

/** The secrets a project's webhook is signed with at `now`: its own, and its previous one during the grace period. */
export function projectSigningSecrets(
  masterKey: string,
  project: string,
  salts: ProjectSalts,
  now: Date,
): string[] {
  const secrets = [deriveProjectSecret(masterKey, project, salts.salt)];
  const inGrace = now.getTime() - salts.rotated_at.getTime() < ROTATION_GRACE_MS;
  if (salts.previous_salt && inGrace)
    secrets.push(deriveProjectSecret(masterKey, project, salts.previous_salt));
  return secrets;
}
