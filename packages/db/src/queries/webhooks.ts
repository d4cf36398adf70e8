import type { Sql } from '../client';

/** What a project's job-webhook secret is derived from (with WEBHOOK_SECRETS_KEY): never the secret itself. */
export interface WebhookSecretSalts {
  salt: string;
  /** The salt before the last rotation: it still signs for a grace period after `rotated_at`. */
  previous_salt: string | null;
  rotated_at: Date;
}

export async function webhookSecretSalts(sql: Sql, project: string): Promise<WebhookSecretSalts | null> {
  const [row] = await sql<WebhookSecretSalts[]>`
    select salt, previous_salt, rotated_at from webhook_secrets where project = ${project}`;
  return row ?? null;
}

/**
 * Gives the project a secret (its first) or a new one: `salt` becomes the current salt and the one it replaces the
 * previous salt (a salt before that one stops signing at once).
 */
export async function rotateWebhookSecret(
  sql: Sql,
  project: string,
  salt: string,
): Promise<{ project: string; rotated_at: Date }> {
  const [row] = await sql<{ project: string; rotated_at: Date }[]>`
    insert into webhook_secrets (project, salt) values (${project}, ${salt})
    on conflict (project) do update
      set previous_salt = webhook_secrets.salt, salt = excluded.salt, rotated_at = now()
    returning project, rotated_at`;
  return row!;
}

export interface NewWebhookDelivery {
  /** `job:<job id>` or `alert:<alert id>`: one delivery per event. */
  id: string;
  event: string;
  /** Whose secret signs it; null for alerts (ALERT_WEBHOOK_SECRET signs them). */
  project: string | null;
  url: string;
  body: string;
}

export interface WebhookDeliveryRow extends NewWebhookDelivery {
  created_at: Date;
}

const DELIVERY_COLUMNS = 'id, event, project, url, body, created_at';

/**
 * Stores a delivery as rendered unless one is stored under its id already, and returns the stored one: whoever
 * rendered first, every attempt sends the same URL and bytes.
 */
export async function renderOnce(sql: Sql, delivery: NewWebhookDelivery): Promise<WebhookDeliveryRow> {
  const [inserted] = await sql<WebhookDeliveryRow[]>`
    insert into webhook_deliveries (id, event, project, url, body)
    values (${delivery.id}, ${delivery.event}, ${delivery.project}, ${delivery.url}, ${delivery.body})
    on conflict (id) do nothing
    returning ${sql.unsafe(DELIVERY_COLUMNS)}`;
  if (inserted) return inserted;
  // Another statement, so that it sees the row a concurrent renderer committed.
  const stored = await getDelivery(sql, delivery.id);
  if (!stored) throw new Error(`webhook delivery ${delivery.id} was neither inserted nor found`);
  return stored;
}

export async function getDelivery(sql: Sql, id: string): Promise<WebhookDeliveryRow | null> {
  const [row] = await sql<WebhookDeliveryRow[]>`
    select ${sql.unsafe(DELIVERY_COLUMNS)} from webhook_deliveries where id = ${id}`;
  return row ?? null;
}
