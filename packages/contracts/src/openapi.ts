import { z } from 'zod';
import {
  createDocument,
  type ZodOpenApiObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi';
import { budgetOperations } from './budgets';
import { costOperations } from './costs';
import { internalErrorResponse, rateLimitedResponse, unauthorizedResponse } from './errors';
import { jobPagesOperations } from './job-pages';
import { jobOperations } from './jobs';
import { keyOperations } from './keys';
import type { Operation, OperationResponse } from './operation';
import { serviceOperations } from './service';
import { jobFinishedEventSchema, webhookHeadersSchema } from './webhooks';

/** Every route of the API, described once: the document is made from these, the contract test holds the app to them. */
export const operations: Operation[] = [
  ...jobOperations,
  ...jobPagesOperations,
  ...budgetOperations,
  ...costOperations,
  ...keyOperations,
  ...serviceOperations,
];

export const API_VERSION = '1.0.0';
export const BEARER_SCHEME = 'apiKey';

const OVERVIEW = `Tranche runs LLM jobs through the providers' batch APIs (OpenAI, Anthropic, Mistral, Vertex) at batch prices, and accounts for every request: each input ends succeeded or failed, with its tokens and cost.

**Keys.** Every \`/v1\` request sends \`Authorization: Bearer <key>\`. Admin keys (ADMIN_API_KEYS) may do everything; project keys (made with \`POST /v1/keys\`) are *members* (submit, read, cancel) or *viewers* (read) of some projects. A job, budget or key of a project the key cannot see is answered 404, exactly as one that does not exist.

**Submitting.** \`POST /v1/jobs\` takes a job as one JSON document (a JobSubmission), or streamed as NDJSON (\`Content-Type: application/x-ndjson\`): the first line is the JobHeader (the job without \`inputs\`), then one JobInput per line. The whole job is validated before anything is kept: a refusal (400 \`invalid_job\`) lists every problem, each naming its field, as \`inputs[12].messages\`. Limits: MAX_INPUTS inputs per job (default 1,000,000), MAX_INPUT_BYTES per input (default 32 MiB), MAX_BODY_BYTES per body (413 beyond), and a body that stops arriving is refused (408).

**Dry run.** \`POST /v1/jobs?dry_run=true\` with the same body answers what a submit would do: token estimates, the worst-case cost, the provider batches, and whether the project's budget takes it. Nothing is written or queued.

**Idempotency.** Send \`Idempotency-Key: <1 to 255 printable ASCII characters>\` with a submit: the same key and body within 24 hours answer the first answer again (\`Idempotent-Replayed: true\`) without creating a job, so a submit can be retried safely; the same key with another body is a 422 \`idempotency_key_reused\`.

**Budgets.** A project may have a monthly budget (\`PUT /v1/budgets/{project}\`). A job whose worst case (input tokens plus every request's max_tokens of output, at batch rates) does not fit what remains is refused with 402 \`budget_exceeded\`, whose \`details\` hold the numbers.

**Results.** \`GET /v1/jobs/{id}\` shows the status and the reconciliation (submitted = succeeded + failed + pending). \`GET /v1/jobs/{id}/results\` streams NDJSON, one JobResult per input sent, in input order; \`X-Result-Count\` gives the number of lines, so a cut stream can be told from a whole one. A finished job can notify a \`webhook_url\` with a signed JobFinishedEvent (see Webhooks).

**Money** is an exact decimal string in USD (e.g. \`"0.004125000000"\`), never a float; \`unpriced_results\` counts results of a model with no price, whose cost is unknown rather than zero.

**Errors** all have one shape, \`{"error": {"type", "message", ...}}\` (the Error schema): branch on \`type\`.

**Rate limits.** Each key may make RATE_LIMIT_SUBMITS_PER_MIN submits and RATE_LIMIT_READS_PER_MIN other \`/v1\` requests a minute (defaults 60 and 600); over them the answer is 429 \`rate_limited\` with \`Retry-After\` in seconds.

The reference page is \`/docs\`; this document is \`/openapi.json\`.`;

const TAGS: NonNullable<ZodOpenApiObject['tags']> = [
  { name: 'Jobs', description: 'Submit jobs, follow them, read their results, cancel them.' },
  { name: 'Budgets', description: 'Monthly spending limits per project, enforced at submit.' },
  {
    name: 'Costs',
    description: 'What results cost, grouped by project, owner, environment, provider or model.',
  },
  { name: 'Keys', description: 'Project keys (admins) and who a key is.' },
  { name: 'Webhooks', description: "Signing secrets of the projects' job.finished webhooks." },
  { name: 'Service', description: 'Health, metrics, this document and the pages.' },
];

function response(answer: OperationResponse): ZodOpenApiResponseObject {
  const content: Record<string, { schema: z.ZodType }> = {};
  if (answer.contentType) content[answer.contentType] = { schema: answer.schema ?? z.unknown() };
  for (const [type, schema] of Object.entries(answer.otherContent ?? {})) content[type] = { schema };
  return {
    description: answer.description,
    ...(Object.keys(content).length > 0 ? { content } : {}),
    ...(answer.headers ? { headers: z.object(answer.headers) } : {}),
  };
}

/** The answers every operation of its kind may give besides its own: no key, over the rate limit, a failure. */
export function responsesOf(operation: Operation): Record<number, OperationResponse> {
  const responses: Record<number, OperationResponse> = { ...operation.responses };
  if (operation.auth) responses[401] = unauthorizedResponse;
  if (operation.path.startsWith('/v1/')) responses[429] = rateLimitedResponse;
  responses[500] = internalErrorResponse;
  return responses;
}

function operationObject(operation: Operation): ZodOpenApiOperationObject {
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, answer] of Object.entries(responsesOf(operation))) responses[status] = response(answer);
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    tags: operation.tags,
    requestParams: {
      ...(operation.params ? { path: operation.params } : {}),
      ...(operation.query ? { query: operation.query } : {}),
      ...(operation.headers ? { header: operation.headers } : {}),
    },
    ...(operation.body
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(operation.body.map((b) => [b.contentType, { schema: b.schema }])),
          },
        }
      : {}),
    security: operation.auth ? [{ [BEARER_SCHEME]: [] }] : [],
    responses,
  };
}

export type OpenApiDocument = ReturnType<typeof createDocument>;

/** The OpenAPI 3.1 document of the API, generated from the operations' zod schemas. */
export function openApiDocument(): OpenApiDocument {
  const paths: ZodOpenApiPathsObject = {};
  for (const operation of operations) {
    paths[operation.path] ??= {};
    paths[operation.path]![operation.method] = operationObject(operation);
  }
  return createDocument({
    openapi: '3.1.0',
    info: { title: 'Tranche API', version: API_VERSION, description: OVERVIEW },
    servers: [{ url: '/', description: 'This API' }],
    tags: TAGS,
    paths,
    webhooks: {
      'job.finished': {
        post: {
          operationId: 'jobFinished',
          summary: 'A job finished',
          description:
            "POSTed to the job's `options.webhook_url` when it reaches a terminal status, signed with its project's " +
            'webhook secret (`POST /v1/projects/{project}/webhook-secret`) following Standard Webhooks: check ' +
            'the signature over `<webhook-id>.<webhook-timestamp>.<body>`, and dedupe on webhook-id. A delivery ' +
            'not answered 2xx is retried.',
          tags: ['Webhooks'],
          requestParams: { header: webhookHeadersSchema },
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jobFinishedEventSchema } },
          },
          responses: { '200': { description: 'Any 2xx acknowledges the delivery.' } },
        },
      },
    },
    components: {
      securitySchemes: {
        [BEARER_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key: an admin key (ADMIN_API_KEYS) or a project key (`trk_...`, made with POST /v1/keys). ' +
            'For /metrics, METRICS_TOKEN works too.',
        },
      },
    },
  });
}
