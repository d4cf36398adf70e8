import type { z } from 'zod';

export interface FieldProblem {
  field: string;
  message: string;
}

/** A job that cannot be accepted. Every problem names its field, as `inputs[12].messages`. */
export class JobValidationError extends Error {
  readonly status = 400;
  constructor(readonly problems: FieldProblem[]) {
    super(`invalid job: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    this.name = 'JobValidationError';
  }
}

/** `inputs[12].messages`; `root` names the value itself (the job, the body, a path parameter). */
export function fieldPath(path: ReadonlyArray<PropertyKey>, root = '(job)'): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || root;
}

export function problemsFromZod(error: z.ZodError, root = '(job)'): FieldProblem[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { field: fieldPath(issue.path, root), message: `unknown field(s): ${issue.keys.join(', ')}` };
    }
    return { field: fieldPath(issue.path, root), message: issue.message };
  });
}

/** A request other than a job (a budget) that cannot be accepted; every problem names its field. */
export class RequestValidationError extends Error {
  readonly status = 400;
  constructor(readonly problems: FieldProblem[]) {
    super(`invalid request: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    this.name = 'RequestValidationError';
  }
}
