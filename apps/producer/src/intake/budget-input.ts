import { budgetInputSchema, projectNameSchema } from '@tranche/contracts';
import { problemsFromZod, RequestValidationError } from './validation-error';

/** A project name as jobs carry it in `metadata.project` (trimmed). */
export function parseProject(raw: unknown): string {
  const parsed = projectNameSchema.safeParse(raw);
  if (!parsed.success) throw new RequestValidationError(problemsFromZod(parsed.error, 'project'));
  return parsed.data;
}

/** The body of `PUT /v1/budgets/:project`: `{"monthly_usd": number | string}`, as a decimal string. */
export function parseBudgetBody(body: unknown): string {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new RequestValidationError([
      { field: 'monthly_usd', message: 'required (the body is not an object)' },
    ]);
  }
  const parsed = budgetInputSchema.safeParse(body);
  if (!parsed.success) throw new RequestValidationError(problemsFromZod(parsed.error, '(body)'));
  return parsed.data.monthly_usd;
}
