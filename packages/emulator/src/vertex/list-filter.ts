import { invalidArgument } from './google-errors';
import type { VertexJob } from './job-record';
import { jobState } from './job-view';

interface Clause {
  field: string;
  negate: boolean;
  value: string;
}

const CLAUSE =
  /^\s*(display_name|displayName|state|model_display_name|labels\.[\p{L}\p{N}_-]+)\s*(=|!=)\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))\s*$/u;

/**
 * The subset of the list `filter` grammar we honour: `display_name`, `state` and `labels.<key>` compared with
 * `=`/`!=`, joined by `AND`, e.g. `display_name="chunk-1" AND labels.team="x"`.
 */
export function parseJobFilter(filter: string | null): (job: VertexJob) => boolean {
  if (filter === null || filter.trim() === '') return () => true;
  const clauses: Clause[] = filter.split(/\s+AND\s+/i).map((part) => {
    const match = CLAUSE.exec(part);
    if (!match) throw invalidArgument(`Unsupported filter: ${filter}`);
    const value = match[3] !== undefined ? match[3].replace(/\\(.)/g, '$1') : match[4]!;
    return { field: match[1]!, negate: match[2] === '!=', value };
  });
  return (job) =>
    clauses.every((clause) => (fieldValue(job, clause.field) === clause.value) !== clause.negate);
}

function fieldValue(job: VertexJob, field: string): string | undefined {
  if (field === 'display_name' || field === 'displayName' || field === 'model_display_name') {
    return field === 'model_display_name' ? job.params.modelId : job.params.displayName;
  }
  if (field === 'state') return jobState(job);
  return job.params.labels?.[field.slice('labels.'.length)];
}
