import 'zod-openapi';
import { z } from 'zod';
import { PROJECT_MAX_LENGTH, projectParamsSchema, timestampSchema } from './common';
import { budgetStatusSchema, errorResponse } from './errors';
import type { Operation } from './operation';

/** A project name as jobs carry it in `metadata.project`: trimmed, 1 to 100 characters. */
const PROJECT_MESSAGE = `must be 1 to ${PROJECT_MAX_LENGTH} characters`;
export const projectNameSchema = z
  .string({ error: PROJECT_MESSAGE })
  .trim()
  .min(1, PROJECT_MESSAGE)
  .max(PROJECT_MAX_LENGTH, PROJECT_MESSAGE);

// budgets.monthly_usd is numeric(18, 6).
const AMOUNT = /^\d{1,12}(?:\.\d{1,6})?$/;
export const AMOUNT_MESSAGE =
  'must be a positive decimal amount in USD, at most 12 digits before the point and 6 after (e.g. 250 or "99.50")';

/** The amount as a decimal string, or why not. */
function amountText(raw: number | string): string | null {
  const text = typeof raw === 'number' ? (Number.isFinite(raw) ? String(raw) : '') : raw.trim();
  return AMOUNT.test(text) && /[1-9]/.test(text) ? text : null;
}

export const monthlyUsdSchema = z
  .union([z.number().positive(), z.string().regex(AMOUNT)], {
    error: (issue) => (issue.input === undefined || issue.input === null ? 'required' : AMOUNT_MESSAGE),
  })
  .transform((raw, ctx) => {
    const text = amountText(raw);
    if (text === null) ctx.addIssue({ code: 'custom', message: AMOUNT_MESSAGE });
    return text ?? '';
  })
  .meta({
    description:
      'USD per calendar month (UTC): a positive number or decimal string, at most 12 digits before the point ' +
      'and 6 after.',
    example: '250.00',
  });

export const budgetInputSchema = z.strictObject({ monthly_usd: monthlyUsdSchema }).meta({
  id: 'BudgetInput',
  description: 'A monthly budget for a project.',
});
export type BudgetInput = z.input<typeof budgetInputSchema>;

export const budgetViewSchema = z
  .object({
    project: z.string(),
    monthly_usd: z.string(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    status: budgetStatusSchema,
  })
  .meta({
    id: 'BudgetView',
    description: "A project's monthly budget and where the project stands this month.",
  });
export type BudgetView = z.infer<typeof budgetViewSchema>;

export const budgetListSchema = z
  .object({ budgets: z.array(budgetViewSchema) })
  .meta({ id: 'BudgetList', description: "The budgets of the key's projects (every project for an admin)." });
export type BudgetList = z.infer<typeof budgetListSchema>;

const TAGS = ['Budgets'];
const invalidProject = errorResponse('The project name is not 1 to 100 characters.', 'invalid_request');
const noBudget = errorResponse(
  'The project has no budget (or is not one of the key’s projects).',
  'not_found',
);

export const budgetOperations: Operation[] = [
  {
    method: 'get',
    path: '/v1/budgets',
    operationId: 'listBudgets',
    summary: 'List budgets',
    tags: TAGS,
    auth: true,
    responses: {
      200: { description: 'The budgets.', contentType: 'application/json', schema: budgetListSchema },
    },
  },
  {
    method: 'get',
    path: '/v1/budgets/{project}',
    operationId: 'getBudget',
    summary: "A project's budget",
    tags: TAGS,
    auth: true,
    params: projectParamsSchema,
    responses: {
      200: { description: 'The budget.', contentType: 'application/json', schema: budgetViewSchema },
      400: invalidProject,
      404: noBudget,
    },
  },
  {
    method: 'put',
    path: '/v1/budgets/{project}',
    operationId: 'setBudget',
    summary: "Set a project's budget",
    description:
      'Creates or replaces the monthly budget (admins only). A submit whose worst case (input tokens plus every ' +
      "request's max_tokens, at batch rates) would take the project past it is refused with 402.",
    tags: TAGS,
    auth: true,
    params: projectParamsSchema,
    body: [{ contentType: 'application/json', schema: budgetInputSchema }],
    responses: {
      200: { description: 'The budget as set.', contentType: 'application/json', schema: budgetViewSchema },
      400: errorResponse(
        'The amount or project is refused, or the body is not JSON.',
        'invalid_request',
        'invalid_json',
      ),
      403: errorResponse('Not an admin key.', 'forbidden'),
      413: errorResponse('The body is over 16 KB.', 'too_large'),
    },
  },
  {
    method: 'delete',
    path: '/v1/budgets/{project}',
    operationId: 'deleteBudget',
    summary: "Delete a project's budget",
    tags: TAGS,
    auth: true,
    params: projectParamsSchema,
    responses: {
      204: { description: 'Deleted.' },
      400: invalidProject,
      403: errorResponse('Not an admin key.', 'forbidden'),
      404: noBudget,
    },
  },
];
