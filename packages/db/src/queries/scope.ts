import type { Sql } from '../client';

/** The projects a caller may see: `'all'` (an admin, an operator's token), or a list (a project key). */
export type ProjectScope = 'all' | readonly string[];

/**
 * A condition that keeps only rows of the scope's projects, for a `where` clause: `column` is the qualified column
 * holding the project (`j.project`). An empty list matches nothing.
 */
export function inScope(sql: Sql, scope: ProjectScope, column = 'j.project') {
  return scope === 'all' ? sql`true` : sql`${sql(column)} = any(${scope as string[]}::text[])`;
}

/** Whether a project is within the scope. */
export function scopeHas(scope: ProjectScope, project: string): boolean {
  return scope === 'all' || scope.includes(project);
}
