import type { DryRunResponse, JobResult, JobView } from '@tranche/client';

const n = (value: number) => value.toLocaleString('en-US');
const pad = (label: string) => `    ${label.padEnd(12)}`;
const num = (value: number) => n(value).padStart(8);

export interface ReconcileCheck {
  ok: boolean;
  lines: string[];
}

/** The reconciliation report of one job: every distinct request is succeeded, failed or pending, nothing else. */
export function reconciliationReport(job: JobView): ReconcileCheck {
  const r = job.reconciliation;
  const ok = r.submitted === r.succeeded + r.failed + r.pending;
  const reasons = Object.entries(r.failed_by_reason)
    .map(([reason, count]) => `${reason} ${n(count)}`)
    .join(', ');
  const lines = [
    '  Reconciliation (over distinct requests)',
    `${pad('inputs')}${num(r.inputs)}  sent by the caller`,
    `${pad('duplicates')}${num(r.duplicates)}  collapsed onto an earlier identical input`,
    `${pad('submitted')}${num(r.submitted)}  distinct requests`,
    `${pad('succeeded')}${num(r.succeeded)}${r.retried > 0 ? `  (${n(r.retried)} after a retry)` : ''}${r.skipped_done > 0 ? `  (${n(r.skipped_done)} skipped: done in an earlier job of this run)` : ''}`,
    `${pad('failed')}${num(r.failed)}${reasons ? `  by reason: ${reasons}` : ''}`,
    `${pad('pending')}${num(r.pending)}`,
    `${pad('check')}${num(r.submitted)} = ${n(r.succeeded)} + ${n(r.failed)} + ${n(r.pending)}  ${ok ? 'OK' : 'MISMATCH'}`,
  ];
  return { ok, lines };
}

export function usageReport(job: JobView): string[] {
  const u = job.usage;
  return [
    '  Tokens',
    `${pad('input')}${num(u.input_tokens)}`,
    `${pad('output')}${num(u.output_tokens)}`,
    `${pad('cached')}${num(u.cached_tokens)}`,
  ];
}

const dollars = (decimal: string) => `$${Number(decimal).toFixed(6)}`;

/** What the dry run said the job could cost, before anything was sent. */
export function estimateReport(estimate: DryRunResponse): string[] {
  const cost = estimate.cost;
  const chunks = estimate.chunks.map((c) => c.requests).join(' + ');
  return [
    `  Dry run (POST /v1/jobs?dry_run=true: nothing written, nothing sent)`,
    `${pad('requests')}${num(estimate.to_send)}  in ${estimate.chunks.length} provider batch(es): ${chunks}`,
    `${pad('input')}${num(estimate.tokens.input)}  tokens estimated (${estimate.tokenizer})`,
    cost.priced && cost.worst_case_batch_usd && cost.worst_case_sync_usd
      ? `${pad('worst case')}${dollars(cost.worst_case_batch_usd)}  at batch rates with every max_tokens used (${dollars(cost.worst_case_sync_usd)} synchronously)`
      : `${pad('worst case')}unpriced: ${estimate.model} is not in the price table`,
  ];
}

/** What the job cost, from the tokens the provider reported, priced as each result was stored. */
export function costReport(job: JobView): string[] {
  const c = job.cost;
  const lines = ['  Cost'];
  lines.push(`${pad('batch')}${dollars(c.cost_usd)}  (price table ${c.price_versions.join(', ') || '-'})`);
  lines.push(`${pad('sync')}${dollars(c.sync_cost_usd)}  the same tokens through the synchronous API`);
  lines.push(`${pad('saved')}${dollars(c.savings_usd)}`);
  if (c.unpriced_results > 0)
    lines.push(`${pad('unpriced')}${num(c.unpriced_results)}  results of a model with no price`);
  return lines;
}

function oneLine(value: unknown, max: number): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const flat = (text ?? 'null').replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function describeOutput(result: JobResult): string {
  if (result.status === 'failed') return `${result.error?.type}: ${oneLine(result.error?.message, 80)}`;
  if (result.status === 'pending') return '(no result yet)';
  const output = result.output as { json?: unknown; text?: string } | null;
  return oneLine(output?.json ?? output?.text ?? output, 90);
}

/** Three result lines worth looking at: a heavy document, a short note, and a duplicate sharing its original's result. */
export function sampleReport(results: JobResult[]): string[] {
  const picks: JobResult[] = [];
  const add = (r: JobResult | undefined) => {
    if (r && !picks.includes(r)) picks.push(r);
  };
  add(results.find((r) => r.id?.startsWith('doc-')));
  add(results.find((r) => r.id?.startsWith('note-') && !r.id.includes('repeats')));
  add(results.find((r) => r.id?.includes('repeats')));
  for (const r of results) if (picks.length < 3) add(r);
  const counts = { succeeded: 0, failed: 0, pending: 0 };
  for (const r of results) counts[r.status] += 1;
  const lines = [
    `  Results (GET /v1/jobs/:id/results: ${n(results.length)} NDJSON lines, one per input: ${n(counts.succeeded)} succeeded, ${n(counts.failed)} failed, ${n(counts.pending)} pending)`,
  ];
  for (const r of picks.slice(0, 3)) {
    const usage = r.usage ? `  [${n(r.usage.input_tokens)} in / ${n(r.usage.output_tokens)} out tokens]` : '';
    lines.push(`    ${r.id ?? r.custom_id}  ${r.status}${usage}`);
    lines.push(`      custom_id ${r.custom_id}`);
    lines.push(`      ${describeOutput(r)}`);
  }
  return lines;
}
