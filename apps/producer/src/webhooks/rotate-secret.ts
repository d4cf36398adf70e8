import type { WebhookSecret } from '@tranche/contracts';
import { rotateWebhookSecret, type Sql } from '@tranche/db';
import { deriveProjectSecret, newSalt, ROTATION_GRACE_MS } from '@tranche/webhooks';
import { type Caller, requireAdmin } from '../auth/caller';
import { parseProject } from '../intake/budget-input';

/** The API lacks a setting an operation needs: a 409 that names it. */
export class NotConfiguredError extends Error {
  readonly status = 409;
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'NotConfiguredError';
  }
}

/** `secret` (`whsec_...`) is shown here only; the database keeps a salt it is derived from, never the secret. */
export type RotatedSecret = WebhookSecret;

/**
 * `POST /v1/projects/:project/webhook-secret`, admins only: creates the project's job-webhook secret, or replaces
 * it, and shows it this once.
 */
export async function rotateProjectSecret(
  sql: Sql,
  caller: Caller,
  masterKey: string | undefined,
  rawProject: unknown,
): Promise<RotatedSecret> {
  requireAdmin(caller);
  const project = parseProject(rawProject);
  if (!masterKey) {
    throw new NotConfiguredError(
      'WEBHOOK_SECRETS_KEY',
      'WEBHOOK_SECRETS_KEY is not set on the API: set the same value on the API and the workers first',
    );
  }
  const salt = newSalt();
  const rotated = await rotateWebhookSecret(sql, project, salt);
  return {
    project,
    secret: deriveProjectSecret(masterKey, project, salt),
    rotated_at: rotated.rotated_at.toISOString(),
    previous_valid_until: new Date(rotated.rotated_at.getTime() + ROTATION_GRACE_MS).toISOString(),
  };
}
