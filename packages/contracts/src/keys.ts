import 'zod-openapi';
import { z } from 'zod';
import { projectNameSchema } from './budgets';
import { idParamsSchema, projectParamsSchema, roleSchema, timestampSchema } from './common';
import { errorResponse } from './errors';
import type { Operation } from './operation';

export const newKeySchema = z
  .strictObject({
    name: z.string().trim().min(1, 'required').max(100, 'at most 100 characters'),
    projects: z
      .array(projectNameSchema)
      .min(1, 'at least one project')
      .max(100, 'at most 100 projects')
      .transform((list) => [...new Set(list)])
      .meta({ description: 'The projects the key may use (1 to 100).' }),
    role: z.enum(['member', 'viewer']).meta({
      description: 'member: submit, read and cancel; viewer: read only. Admin keys come from ADMIN_API_KEYS.',
    }),
  })
  .meta({ id: 'NewKey', description: 'A project key to create.' });
export type NewKey = z.input<typeof newKeySchema>;

export const apiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().meta({
      description: 'The start of the key, to tell keys apart (the key itself is never shown again).',
    }),
    role: z.enum(['member', 'viewer']),
    projects: z.array(z.string()),
    created_at: timestampSchema,
    last_used_at: timestampSchema.nullable(),
    revoked_at: timestampSchema.nullable(),
  })
  .meta({ id: 'ApiKey', description: 'A project key, without its secret.' });
export type ApiKey = z.infer<typeof apiKeySchema>;

export const keyListSchema = z.object({ keys: z.array(apiKeySchema) }).meta({ id: 'KeyList' });
export type KeyList = z.infer<typeof keyListSchema>;

export const createdKeySchema = z
  .object({
    id: z.uuid(),
    key: z.string().meta({ description: 'The key: shown this once, stored only as a hash.' }),
    prefix: z.string(),
    name: z.string(),
    projects: z.array(z.string()),
    role: z.enum(['member', 'viewer']),
    created_at: timestampSchema,
  })
  .meta({ id: 'CreatedKey', description: 'The new key, with its secret (the only time it is shown).' });
export type CreatedKey = z.infer<typeof createdKeySchema>;

export const meSchema = z
  .object({
    key_id: z.string(),
    name: z.string(),
    role: roleSchema,
    projects: z
      .union([z.literal('all'), z.array(z.string()).readonly()])
      .meta({ description: "The key's projects; 'all' for an admin." }),
  })
  .meta({ id: 'Me', description: 'Who the key stands for.' });
export type Me = z.infer<typeof meSchema>;

export const webhookSecretSchema = z
  .object({
    project: z.string(),
    secret: z
      .string()
      .meta({ description: '`whsec_...`, shown this once: verify job.finished deliveries with it.' }),
    rotated_at: timestampSchema,
    previous_valid_until: timestampSchema.meta({
      description: 'Until then the previous secret (if any) signs each delivery too, as a second signature.',
    }),
  })
  .meta({ id: 'WebhookSecret', description: "The project's new webhook signing secret." });
export type WebhookSecret = z.infer<typeof webhookSecretSchema>;

const notAdmin = errorResponse('Not an admin key.', 'forbidden');

export const keyOperations: Operation[] = [
  {
    method: 'get',
    path: '/v1/me',
    operationId: 'me',
    summary: 'Who am I',
    tags: ['Keys'],
    auth: true,
    responses: { 200: { description: 'The caller.', contentType: 'application/json', schema: meSchema } },
  },
  {
    method: 'post',
    path: '/v1/keys',
    operationId: 'createKey',
    summary: 'Create a project key',
    description: 'Admins only. The answer holds the key itself, shown this once.',
    tags: ['Keys'],
    auth: true,
    body: [{ contentType: 'application/json', schema: newKeySchema }],
    responses: {
      201: { description: 'The key.', contentType: 'application/json', schema: createdKeySchema },
      400: errorResponse('A field is refused, or the body is not JSON.', 'invalid_request', 'invalid_json'),
      403: notAdmin,
      413: errorResponse('The body is over 16 KB.', 'too_large'),
    },
  },
  {
    method: 'get',
    path: '/v1/keys',
    operationId: 'listKeys',
    summary: 'List project keys',
    tags: ['Keys'],
    auth: true,
    responses: {
      200: {
        description: 'Every project key, revoked ones too.',
        contentType: 'application/json',
        schema: keyListSchema,
      },
      403: notAdmin,
    },
  },
  {
    method: 'delete',
    path: '/v1/keys/{id}',
    operationId: 'revokeKey',
    summary: 'Revoke a project key',
    description: 'At once: the next request with the key is a 401.',
    tags: ['Keys'],
    auth: true,
    params: idParamsSchema,
    responses: {
      204: { description: 'Revoked.' },
      403: notAdmin,
      404: errorResponse('No live key with this id.', 'not_found'),
    },
  },
  {
    method: 'post',
    path: '/v1/projects/{project}/webhook-secret',
    operationId: 'rotateWebhookSecret',
    summary: "Create or rotate a project's webhook secret",
    description:
      'Admins only. Jobs of the project may then set `options.webhook_url`; each `job.finished` delivery is signed ' +
      'with the secret (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature).',
    tags: ['Webhooks'],
    auth: true,
    params: projectParamsSchema,
    responses: {
      201: { description: 'The new secret.', contentType: 'application/json', schema: webhookSecretSchema },
      400: errorResponse('The project name is not 1 to 100 characters.', 'invalid_request'),
      403: notAdmin,
      409: errorResponse('WEBHOOK_SECRETS_KEY is not set on the API.', 'not_configured'),
    },
  },
];
