// The sections of a job's page, each drawn from the job view (GET /v1/jobs/:id) or its failures
// (GET /v1/jobs/:id/failures).
import { $, badge, count, formatUsd, h, statusBadge, utcTime } from './shared.js';

/** A term and its value, for a `dl.facts`; `testid` marks the value. */
const fact = (term, value, testid) =>
  h('div', {}, h('dt', {}, term), h('dd', testid ? { 'data-testid': testid } : {}, value));

export function renderSummary(job) {
  $('job-id').textContent = job.job_id;
  $('job-id').title = job.job_id;
  document.title = `Tranche · job ${job.job_id.slice(0, 8)}`;
  $('job-status').replaceChildren(statusBadge(job.status));
  $('job-status').dataset.status = job.status;
  $('job-model').textContent = ` ${job.provider} / ${job.model} · ${job.kind}`;
  const blocked = $('job-blocked');
  blocked.hidden = job.blocked === null;
  blocked.textContent = job.blocked
    ? `Blocked since ${utcTime(job.blocked.since)}: ${job.blocked.reason}. The job goes on by itself once this clears.`
    : '';
  const { project, owner, environment, run_id: runId, tags } = job.metadata;
  const tagText = Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  $('job-facts').replaceChildren(
    fact('Project · owner', `${project} · ${owner}`, 'job-project'),
    fact('Run id', runId),
    fact('Environment', environment ?? '—'),
    fact('Tags', tagText || '—'),
    fact('Submitted by', job.submitted_by ? job.submitted_by.name : '—'),
    fact('Created', utcTime(job.created_at)),
    fact('Finished', utcTime(job.finished_at)),
    fact('Times out', utcTime(job.options.timeout_at)),
    fact('Attempts per request', count.format(job.options.max_attempts)),
    // Shown only when the job chose one: every other job runs on its provider's own chat API.
    ...(job.options.chat_api ? [fact('Chat API', job.options.chat_api)] : []),
    ...(job.error ? [fact('Error', job.error, 'job-error')] : []),
  );
}

export function renderReconciliation(job) {
  const r = job.reconciliation;
  const reasons = Object.entries(r.failed_by_reason)
    .map(([reason, n]) => `${reason} ${count.format(n)}`)
    .join(', ');
  $('reconciliation').replaceChildren(
    fact('Inputs sent', count.format(r.inputs)),
    fact('Duplicates collapsed', count.format(r.duplicates)),
    fact('Distinct requests', count.format(r.submitted), 'reconciled-submitted'),
    fact('Succeeded', count.format(r.succeeded), 'reconciled-succeeded'),
    fact('Failed', count.format(r.failed), 'reconciled-failed'),
    fact('Pending', count.format(r.pending), 'reconciled-pending'),
    fact('Done earlier in the run', count.format(r.skipped_done)),
    fact('Retried', count.format(r.retried)),
    fact('Failed by reason', reasons || '—'),
  );
}

export function renderCost(job) {
  const c = job.cost;
  const money = (term, value, testid) =>
    h(
      'div',
      {},
      h('dt', {}, term),
      h('dd', { 'data-testid': testid, dataset: { value }, title: `${value} USD` }, formatUsd(value)),
    );
  $('job-cost').replaceChildren(
    money('Cost so far', c.cost_usd, 'job-cost-usd'),
    money('At sync prices', c.sync_cost_usd, 'job-sync-usd'),
    money('Saved', c.savings_usd, 'job-savings-usd'),
    fact(
      'Unpriced results',
      c.unpriced_results > 0 ? badge(`${count.format(c.unpriced_results)} unpriced`, 'unpriced') : 'none',
    ),
    fact(
      'Tokens in / out',
      `${count.format(job.usage.input_tokens)} / ${count.format(job.usage.output_tokens)}`,
    ),
    fact('Price table', c.price_versions.join(', ') || '—'),
  );
}

function batchItem(batch) {
  const counts = batch.counts
    ? `${count.format(batch.counts.completed)} completed · ${count.format(batch.counts.failed)} failed of ${count.format(batch.counts.total)}`
    : `${count.format(batch.requests)} requests`;
  const step = (label, iso) => h('span', {}, `${label} ${iso ? utcTime(iso) : '—'}`);
  return h(
    'li',
    {
      class: `state-${batch.state}`,
      'data-testid': 'batch',
      dataset: { batchId: batch.id, state: batch.state },
    },
    h(
      'div',
      {},
      h('div', {}, `Round ${batch.round} `, badge(batch.state, batch.state === 'fetched' ? 'ok' : 'running')),
      h(
        'div',
        { class: 'id', title: batch.provider_batch_id ?? '' },
        batch.provider_batch_id ?? 'not at the provider yet',
      ),
    ),
    h(
      'div',
      {},
      h(
        'div',
        { 'data-testid': 'batch-counts' },
        counts,
        batch.provider_status ? h('span', { class: 'muted' }, ` · provider: ${batch.provider_status}`) : null,
        batch.outcome ? h('span', { class: 'muted' }, ` · ${batch.outcome}`) : null,
      ),
      h(
        'div',
        { class: 'steps' },
        step('created', batch.created_at),
        step('submitted', batch.submitted_at),
        step('ended', batch.ended_at),
        step('fetched', batch.fetched_at),
      ),
    ),
  );
}

export function renderBatches(job) {
  const batches = [...job.batches].sort(
    (a, b) => a.created_at.localeCompare(b.created_at) || a.round - b.round,
  );
  $('batches').replaceChildren(
    ...(batches.length > 0
      ? batches.map(batchItem)
      : [h('li', { class: 'muted' }, 'No provider batch yet: the job is waiting to be planned.')]),
  );
}

export function renderFailures(failures) {
  if (failures.reasons.length === 0) {
    $('failures').replaceChildren(h('p', { class: 'muted' }, 'No request failed.'));
    return;
  }
  $('failures').replaceChildren(
    ...failures.reasons.map((group) =>
      h(
        'div',
        {
          class: 'failure-reason',
          'data-testid': 'failure-reason',
          dataset: { reason: group.reason, count: group.count },
        },
        h('strong', {}, group.reason),
        ` · ${count.format(group.count)} ${group.count === 1 ? 'request' : 'requests'}`,
        h(
          'ul',
          {},
          group.examples.map((example) =>
            h(
              'li',
              { 'data-testid': 'failure-example' },
              h('span', { class: 'id' }, example.input_id ?? example.custom_id),
              `: ${example.error}`,
            ),
          ),
        ),
      ),
    ),
  );
}
