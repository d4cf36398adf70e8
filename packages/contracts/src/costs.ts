import 'zod-openapi';
import { z } from 'zod';
import { jobStatusSchema, timestampSchema, usdSchema } from './common';
import { budgetStatusSchema, errorResponse } from './errors';
import type { Operation } from './operation';

export const COST_GROUP_KEYS = ['project', 'owner', 'environment', 'provider', 'model'] as const;
export const COST_FORMATS = ['json', 'csv'] as const;

export const costQuerySchema = z.strictObject({
  window: z
    .string()
    .optional()
    .meta({
      description:
        '24h, 7d, 30d (ending now; default 30d) or `<ISO from>..<ISO to>` (from inclusive, to exclusive), e.g. ' +
        '`2026-05-01..2026-06-01` or `2026-05-01T00:00:00Z..2026-05-02T00:00:00Z`.',
      example: '7d',
    }),
  group_by: z
    .string()
    .optional()
    .meta({
      description: `Comma-separated keys among ${COST_GROUP_KEYS.join(', ')}; none gives one total group.`,
      example: 'project,model',
    }),
  format: z.enum(COST_FORMATS).optional().meta({ description: 'json (default) or csv.' }),
});
export type CostQuery = z.infer<typeof costQuerySchema>;

const count = z.number().int().nonnegative();

export const costFiguresSchema = z
  .object({
    cost_usd: usdSchema,
    sync_cost_usd: usdSchema,
    savings_usd: usdSchema,
    input_tokens: count,
    output_tokens: count,
    cached_tokens: count,
    results: count,
    succeeded: count,
    failed: count,
    unpriced_results: count.meta({
      description: 'Results of a model with no price: their cost is unknown, not zero.',
    }),
  })
  .meta({ id: 'CostFigures', description: 'What a set of results cost (money as exact decimal strings).' });

/** One group: its value of each `group_by` key (null when the job has none) and its figures. */
export const costGroupSchema = costFiguresSchema
  .extend(
    Object.fromEntries(COST_GROUP_KEYS.map((key) => [key, z.string().nullable().optional()])) as {
      [K in (typeof COST_GROUP_KEYS)[number]]: z.ZodOptional<z.ZodNullable<z.ZodString>>;
    },
  )
  .meta({ id: 'CostGroup', description: 'The figures of one combination of the group_by keys.' });

export const costSummarySchema = z
  .object({
    window: z.object({ from: timestampSchema, to: timestampSchema }),
    group_by: z.array(z.enum(COST_GROUP_KEYS)),
    totals: costFiguresSchema,
    groups: z.array(costGroupSchema).meta({ description: 'Most expensive first.' }),
  })
  .meta({ id: 'CostSummary', description: 'The cost of the results created in the window, grouped.' });
export type CostSummary = z.infer<typeof costSummarySchema>;

const jobCostLineSchema = z
  .object({
    job_id: z.uuid(),
    status: jobStatusSchema,
    project: z.string(),
    owner: z.string(),
    environment: z.string().nullable(),
    provider: z.string(),
    model: z.string(),
    created_at: timestampSchema,
    finished_at: timestampSchema.nullable(),
    error: z.string().nullable(),
    total: count,
    done: count,
    succeeded: count,
    failed: count,
    cost_usd: usdSchema,
    unpriced_results: count,
  })
  .meta({ id: 'JobCostLine' });

const windowCostsSchema = z.object({
  from: timestampSchema,
  to: timestampSchema,
  totals: costFiguresSchema,
  by_project: z.array(costGroupSchema),
  by_provider: z.array(costGroupSchema),
  by_model: z.array(costGroupSchema),
});

export const dashboardSchema = z
  .object({
    generated_at: timestampSchema,
    windows: z.object({ '24h': windowCostsSchema, '7d': windowCostsSchema, '30d': windowCostsSchema }),
    daily: z.object({
      window: z.object({ from: timestampSchema, to: timestampSchema }),
      days: z.array(z.string()),
      projects: z.array(
        z.object({ project: z.string(), cost_usd: z.array(usdSchema), unpriced_results: z.array(count) }),
      ),
    }),
    running_jobs: z.array(jobCostLineSchema),
    troubled_jobs: z
      .array(jobCostLineSchema)
      .meta({ description: 'Jobs that ended failed, timed out or cancelled in the last 7 days.' }),
    finished_with_failures: z
      .array(jobCostLineSchema)
      .meta({ description: 'Jobs that ended completed_with_failures in the last 7 days.' }),
    budgets: z.array(budgetStatusSchema.extend({ over_budget: z.boolean() })),
    unpriced_models: z.array(
      z.object({ provider: z.string(), model: z.string(), results: count, last_seen: timestampSchema }),
    ),
  })
  .meta({ id: 'Dashboard', description: "The cost dashboard's figures, limited to the key's projects." });
export type Dashboard = z.infer<typeof dashboardSchema>;

export const costOperations: Operation[] = [
  {
    method: 'get',
    path: '/v1/costs',
    operationId: 'costs',
    summary: 'Costs over a window, grouped',
    description:
      "The cost of the results created in the window, in the key's projects, grouped by job tags. Money is an " +
      'exact decimal string; `unpriced_results` counts results whose cost is unknown (a model with no price).',
    tags: ['Costs'],
    auth: true,
    query: costQuerySchema,
    responses: {
      200: {
        description: 'The costs: JSON, or with format=csv one CSV row per group.',
        contentType: 'application/json',
        schema: costSummarySchema,
        otherContent: {
          'text/csv': z.string().meta({ description: 'A header row, then one row per group.' }),
        },
      },
      400: errorResponse('A query parameter is refused; `parameter` names it.', 'invalid_query'),
    },
  },
  {
    method: 'get',
    path: '/v1/dashboard',
    operationId: 'dashboard',
    summary: "The cost dashboard's data",
    tags: ['Costs'],
    auth: true,
    responses: {
      200: { description: 'The figures.', contentType: 'application/json', schema: dashboardSchema },
    },
  },
];
