import { type FieldProblem, RequestValidationError } from './validation-error';

// budgets.monthly_usd is numeric(18, 6).
const AMOUNT = /^\d{1,12}(?:\.\d{1,6})?$/;
const AMOUNT_MESSAGE =
  'must be a positive decimal amount in USD, at most 12 digits before the point and 6 after (e.g. 250 or "99.50")';

/** A project name as jobs carry it in `metadata.project`. */
export function parseProject(raw: unknown): string {
  const project = typeof raw === 'string' ? raw.trim() : '';
  if (project.length === 0 || project.length > 100) {
    throw new RequestValidationError([{ field: 'project', message: 'must be 1 to 100 characters' }]);
  }
  return project;
}

/** The body of `PUT /v1/budgets/:project`: `{"monthly_usd": number | string}`, as a decimal string. */
export function parseBudgetBody(body: unknown): string {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new RequestValidationError([
      { field: 'monthly_usd', message: 'required (the body is not an object)' },
    ]);
  }
  const { monthly_usd: raw, ...rest } = body as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    problems.push({ field: '(body)', message: `unknown field(s): ${unknown.join(', ')}` });
  const amount = parseAmount(raw);
  if (typeof amount !== 'string') problems.push({ field: 'monthly_usd', message: amount.problem });
  if (problems.length > 0 || typeof amount !== 'string') throw new RequestValidationError(problems);
  return amount;
}

function parseAmount(raw: unknown): string | { problem: string } {
  if (raw === undefined || raw === null) return { problem: 'required' };
  let text: string;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return { problem: AMOUNT_MESSAGE };
    text = String(raw);
  } else if (typeof raw === 'string') {
    text = raw.trim();
  } else {
    return { problem: AMOUNT_MESSAGE };
  }
  if (!AMOUNT.test(text) || !/[1-9]/.test(text)) return { problem: AMOUNT_MESSAGE };
  return text;
}
