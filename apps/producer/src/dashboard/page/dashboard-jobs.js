// The dashboard's job tables: running jobs, jobs that ended failed, timed out or cancelled, and jobs that finished
// with some requests failed. Each job links to its page.

import { unpricedNote } from './dashboard-figures.js';
import { ago, badge, count, formatUsd, h, jobLink, percent, statusBadge, table } from './shared.js';

function progressBar(job) {
  const share = (n) => (job.total > 0 ? (100 * n) / job.total : 0);
  const bar = h(
    'div',
    {
      class: 'progress',
      'data-testid': 'job-progress',
      dataset: { jobId: job.job_id, done: job.done, total: job.total, failed: job.failed },
      role: 'progressbar',
      'aria-valuemin': 0,
      'aria-valuemax': job.total,
      'aria-valuenow': job.done,
    },
    h('div', { class: 'done' }),
    h('div', { class: 'failed' }),
  );
  bar.children[0].style.width = `${share(job.succeeded)}%`;
  bar.children[1].style.left = `${share(job.succeeded)}%`;
  bar.children[1].style.width = `${share(job.failed)}%`;
  const label = `${count.format(job.done)} / ${count.format(job.total)} · ${percent.format(job.total > 0 ? job.done / job.total : 0)}`;
  return [
    bar,
    h(
      'div',
      { class: 'progress-label' },
      label,
      job.failed > 0 ? ` · ${count.format(job.failed)} failed` : '',
    ),
  ];
}

function jobCost(job) {
  const attrs = {
    class: 'num',
    'data-testid': 'job-cost',
    dataset: { jobId: job.job_id, value: job.cost_usd },
  };
  return h('td', attrs, formatUsd(job.cost_usd), unpricedNote(job.unpriced_results));
}

function projectCell(job, overBudget) {
  return h(
    'td',
    {},
    h('span', { class: 'nowrap' }, job.project, h('span', { class: 'muted' }, ` · ${job.owner}`)),
    overBudget.has(job.project) ? h('div', { class: 'sub' }, badge('over budget', 'over')) : null,
  );
}

export function renderRunning(data, overBudget, now) {
  const rows = data.running_jobs.map((job) =>
    h(
      'tr',
      { 'data-testid': 'running-job', dataset: { jobId: job.job_id, status: job.status } },
      h('td', {}, jobLink(job.job_id)),
      projectCell(job, overBudget),
      h('td', { class: 'nowrap' }, `${job.provider} / ${job.model}`),
      h('td', {}, statusBadge(job.status)),
      h('td', {}, progressBar(job)),
      jobCost(job),
      h('td', { class: 'num' }, ago(job.created_at, now)),
    ),
  );
  table(
    'running-jobs',
    [
      ['Job'],
      ['Project · owner'],
      ['Model'],
      ['Status'],
      ['Progress'],
      ['Cost so far', true],
      ['Started', true],
    ],
    rows,
    'No job is running.',
  );
}

function endedRow(testid, job, overBudget, now) {
  return h(
    'tr',
    { 'data-testid': testid, dataset: { jobId: job.job_id, status: job.status } },
    h('td', {}, jobLink(job.job_id)),
    projectCell(job, overBudget),
    h('td', { class: 'nowrap' }, `${job.provider} / ${job.model}`),
    h(
      'td',
      {},
      statusBadge(job.status),
      job.error ? h('div', { class: 'error-text', title: job.error }, job.error) : null,
    ),
    h(
      'td',
      { class: 'num', 'data-testid': 'job-outcome', dataset: { done: job.done, total: job.total } },
      `${count.format(job.succeeded)} ok · ${count.format(job.failed)} failed · ${count.format(job.total - job.done)} not run`,
    ),
    jobCost(job),
    h('td', { class: 'num' }, ago(job.finished_at ?? job.created_at, now)),
  );
}

const ENDED_HEADERS = [
  ['Job'],
  ['Project · owner'],
  ['Model'],
  ['Status'],
  ['Inputs', true],
  ['Cost', true],
  ['Ended', true],
];

export function renderTroubled(data, overBudget, now) {
  const rows = data.troubled_jobs.map((job) => endedRow('troubled-job', job, overBudget, now));
  table('troubled-jobs', ENDED_HEADERS, rows, 'None in the last 7 days.');
}

export function renderPartlyFailed(data, overBudget, now) {
  const rows = data.finished_with_failures.map((job) => endedRow('partly-failed-job', job, overBudget, now));
  table('partly-failed-jobs', ENDED_HEADERS, rows, 'None in the last 7 days.');
}
