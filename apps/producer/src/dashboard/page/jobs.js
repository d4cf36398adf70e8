// The jobs list: GET /v1/jobs with the filters of the form, which live in the URL fragment (a filtered list can be
// bookmarked or shared, the key never is), a page at a time.
import {
  $,
  ago,
  api,
  count,
  formatUsd,
  fragment,
  h,
  jobLink,
  setupKey,
  statusBadge,
  table,
} from './shared.js';

const PAGE_SIZE = 25;
const FILTERS = ['project', 'status', 'provider', 'run_id'];

/** The provider filter's choices: the providers the API takes (a failure leaves only "any"). */
const providerOptions = fetch('/dashboard/providers.json')
  .then((response) => (response.ok ? response.json() : []))
  .then((names) => $('filter-provider').append(...names.map((name) => h('option', { value: name }, name))))
  .catch(() => undefined);

/** The cursors of the pages before the one shown, to go back; reset when the filters change. */
let earlier = [];
let current = null;
let next = null;
let shownFilters = '';

function filtersFromFragment() {
  const params = fragment();
  const filters = new URLSearchParams();
  for (const name of FILTERS) {
    const value = params.get(name)?.trim();
    if (value) filters.set(name, value);
  }
  return filters;
}

function fillForm(filters) {
  $('filter-project').value = filters.get('project') ?? '';
  $('filter-provider').value = filters.get('provider') ?? '';
  $('filter-run').value = filters.get('run_id') ?? '';
  const statuses = (filters.get('status') ?? '').split(',');
  for (const option of $('filter-status').options) option.selected = statuses.includes(option.value);
}

function formFilters() {
  const filters = new URLSearchParams();
  const project = $('filter-project').value.trim();
  const statuses = [...$('filter-status').selectedOptions].map((o) => o.value);
  const provider = $('filter-provider').value;
  const runId = $('filter-run').value.trim();
  if (project) filters.set('project', project);
  if (statuses.length > 0) filters.set('status', statuses.join(','));
  if (provider) filters.set('provider', provider);
  if (runId) filters.set('run_id', runId);
  return filters;
}

function progress(job) {
  return h(
    'td',
    {
      class: 'num',
      'data-testid': 'job-counts',
      dataset: { succeeded: job.succeeded, failed: job.failed, pending: job.pending },
    },
    `${count.format(job.succeeded)} ok · ${count.format(job.failed)} failed · ${count.format(job.pending)} pending`,
    h('div', { class: 'progress-label' }, `of ${count.format(job.inputs)} inputs`),
  );
}

function jobRow(job, now) {
  return h(
    'tr',
    {
      'data-testid': 'job-row',
      dataset: { jobId: job.job_id, status: job.status, project: job.metadata.project },
    },
    h('td', {}, jobLink(job.job_id)),
    h(
      'td',
      {},
      h(
        'span',
        { class: 'nowrap' },
        job.metadata.project,
        h('span', { class: 'muted' }, ` · ${job.metadata.owner}`),
      ),
    ),
    h('td', { class: 'id' }, job.metadata.run_id),
    h('td', { class: 'nowrap' }, `${job.provider} / ${job.model}`),
    h(
      'td',
      {},
      statusBadge(job.status),
      job.blocked
        ? h('div', { class: 'error-text', title: job.blocked.reason }, `blocked: ${job.blocked.reason}`)
        : null,
    ),
    progress(job),
    h(
      'td',
      { class: 'num', 'data-testid': 'job-cost', dataset: { value: job.cost_usd } },
      formatUsd(job.cost_usd),
    ),
    h('td', { class: 'num', title: job.created_at }, ago(job.created_at, now)),
  );
}

async function load() {
  const filters = filtersFromFragment();
  if (filters.toString() !== shownFilters) {
    earlier = [];
    current = null;
    shownFilters = filters.toString();
  }
  await providerOptions;
  fillForm(filters);
  const query = new URLSearchParams(filters);
  query.set('limit', String(PAGE_SIZE));
  if (current) query.set('cursor', current);
  const [page, me] = await Promise.all([api(`/v1/jobs?${query}`), api('/v1/me')]);
  const now = Date.now();
  table(
    'jobs',
    [
      ['Job'],
      ['Project · owner'],
      ['Run'],
      ['Model'],
      ['Status'],
      ['Requests', true],
      ['Cost so far', true],
      ['Created', true],
    ],
    page.jobs.map((job) => jobRow(job, now)),
    filters.toString() ? 'No job matches these filters.' : 'No job yet.',
  );
  next = page.next_cursor;
  $('older-page').disabled = next === null;
  $('newer-page').disabled = earlier.length === 0;
  $('jobs-shown').textContent = `(page ${earlier.length + 1}, ${page.jobs.length} shown)`;
  if (Array.isArray(me.projects))
    $('known-projects').replaceChildren(...me.projects.map((p) => h('option', { value: p })));
  $('updated-at').textContent = `Updated ${new Date(now).toLocaleTimeString('en-GB')}`;
  document.body.dataset.loadedAt = String(now);
}

const refresh = setupKey(load);

/** New filters go into the fragment, which reloads the list from its first page (hashchange). */
function applyFilters(filters) {
  if (filters.toString() === fragment().toString()) refresh();
  else location.hash = filters.toString();
}

$('filters').addEventListener('submit', (event) => {
  event.preventDefault();
  applyFilters(formFilters());
});
$('clear-filters').addEventListener('click', () => applyFilters(new URLSearchParams()));
$('older-page').addEventListener('click', () => {
  earlier.push(current);
  current = next;
  refresh();
});
$('newer-page').addEventListener('click', () => {
  current = earlier.pop() ?? null;
  refresh();
});
$('refresh').addEventListener('click', refresh);
refresh();
