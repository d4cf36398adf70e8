// The dashboard page: reads /v1/dashboard every 30 s and renders it. Every figure keeps its exact value (a decimal
// string, as the API sent it) in a data-value attribute; the text shows it rounded for people.

const KEY_STORAGE = 'tranche.apiKey';
const REFRESH_MS = 30_000;
const WINDOWS = [
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
];
const PALETTE = [
  '#2f6fed',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#8cd17d',
  '#86bcb6',
  '#d37295',
];

const $ = (id) => document.getElementById(id);

/** An element with attributes (`dataset` and `class` handled apart) and children; text is never parsed as HTML. */
function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'dataset') {
      for (const [key, item] of Object.entries(value))
        if (item !== undefined && item !== null) element.dataset[key] = String(item);
    } else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const count = new Intl.NumberFormat('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

/** $1,234.57 from a cent up; under a cent, three significant digits ($0.000000123), never rounded to $0.00. */
function formatUsd(value) {
  const amount = Number(value);
  if (amount === 0) return '$0.00';
  const abs = Math.abs(amount);
  if (abs >= 0.01) return usd.format(amount);
  const decimals = Math.min(12, 2 - Math.floor(Math.log10(abs)));
  const digits = abs.toFixed(decimals).replace(/0+$/, '');
  return `${amount < 0 ? '-' : ''}$${digits}`;
}

function ago(iso, now) {
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (seconds < 90) return `${Math.round(seconds)} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 129_600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

const badge = (text, kind = '') => h('span', { class: `badge ${kind}` }, text);
const statusBadge = (status) => badge(status.replaceAll('_', ' '), status);
const shortId = (id) => h('span', { class: 'id', title: id }, id.slice(0, 8));
/** Results without a price, under an amount: the amount leaves them out. */
const unpricedNote = (n) =>
  n > 0 ? h('div', { class: 'sub' }, badge(`+${count.format(n)} unpriced`, 'unpriced')) : null;

/**
 * A table cell with what a group cost. A group of unpriced results only shows "unpriced", never $0.00; a group
 * with some shows them beside its cost; a window without results shows a dash.
 */
function costCell(testid, keys, group, figure = 'cost_usd') {
  const attrs = { class: 'num', 'data-testid': testid, dataset: { ...keys, results: group?.results ?? 0 } };
  if (!group || group.results === 0) return h('td', attrs, h('span', { class: 'muted' }, '—'));
  attrs.dataset.value = group[figure];
  attrs.dataset.unpriced = group.unpriced_results;
  attrs.title = `${group[figure]} USD, ${count.format(group.results)} results`;
  if (group.unpriced_results === group.results) return h('td', attrs, badge('unpriced', 'unpriced'));
  return h('td', attrs, formatUsd(group[figure]), unpricedNote(group.unpriced_results));
}

function table(id, headers, rows, emptyText) {
  const head = h(
    'thead',
    {},
    h(
      'tr',
      {},
      headers.map(([label, numeric]) => h('th', { class: numeric ? 'num' : '' }, label)),
    ),
  );
  const body = h(
    'tbody',
    {},
    rows.length > 0 ? rows : h('tr', {}, h('td', { class: 'empty', colspan: headers.length }, emptyText)),
  );
  $(id).replaceChildren(head, body);
}

function renderCards(data) {
  const cards = WINDOWS.map(([key, label]) => {
    const totals = data.windows[key].totals;
    const sync = Number(totals.sync_cost_usd);
    const share = sync > 0 ? ` (${percent.format(Number(totals.savings_usd) / sync)})` : '';
    const money = (testid, value, extra = {}) =>
      h('dd', { 'data-testid': testid, dataset: { window: key, value }, ...extra }, formatUsd(value));
    return h(
      'div',
      { class: 'card', 'data-testid': 'window-card', dataset: { window: key } },
      h('div', { class: 'label' }, label, ' · batch cost'),
      h(
        'div',
        { class: 'big', 'data-testid': 'window-cost', dataset: { window: key, value: totals.cost_usd } },
        formatUsd(totals.cost_usd),
      ),
      h(
        'dl',
        {},
        h('dt', {}, 'At sync prices'),
        money('window-sync', totals.sync_cost_usd),
        h('dt', {}, 'Saved'),
        h(
          'dd',
          {
            class: 'saved',
            'data-testid': 'window-savings',
            dataset: { window: key, value: totals.savings_usd },
          },
          formatUsd(totals.savings_usd),
          share,
        ),
        h('dt', {}, 'Results'),
        h(
          'dd',
          { 'data-testid': 'window-results', dataset: { window: key, value: totals.results } },
          count.format(totals.results),
          totals.failed > 0
            ? h('span', { class: 'muted' }, ` (${count.format(totals.failed)} failed)`)
            : null,
        ),
        h('dt', {}, 'Tokens in / out'),
        h('dd', {}, `${compact.format(totals.input_tokens)} / ${compact.format(totals.output_tokens)}`),
        h('dt', {}, 'Unpriced results'),
        h(
          'dd',
          { 'data-testid': 'window-unpriced', dataset: { window: key, value: totals.unpriced_results } },
          totals.unpriced_results > 0
            ? badge(`${count.format(totals.unpriced_results)} unpriced`, 'unpriced')
            : h('span', { class: 'muted' }, 'none'),
        ),
      ),
    );
  });
  $('window-cards').replaceChildren(...cards);
}

/** Rows keyed by `keyOf`, in the order of the 30-day groups (most expensive first), then any other. */
function groupRows(data, listName, keyOf) {
  const keys = [];
  const byWindow = {};
  for (const [window] of [['30d'], ['7d'], ['24h']]) {
    byWindow[window] = new Map();
    for (const group of data.windows[window][listName]) {
      const key = keyOf(group);
      byWindow[window].set(key, group);
      if (!keys.includes(key)) keys.push(key);
    }
  }
  return keys.map((key) => ({ key, windows: byWindow }));
}

function renderProjects(data, colors, overBudget) {
  const rows = groupRows(data, 'by_project', (g) => g.project).map(({ key: project, windows }) => {
    const month = windows['30d'].get(project);
    return h(
      'tr',
      { 'data-testid': 'project-row', dataset: { project } },
      h(
        'td',
        {},
        h('span', { class: 'swatch', 'data-color': colors.get(project) ?? '' }),
        project,
        overBudget.has(project) ? h('div', { class: 'sub' }, badge('over budget', 'over')) : null,
      ),
      WINDOWS.map(([window]) => costCell('project-cost', { project, window }, windows[window].get(project))),
      costCell('project-savings', { project, window: '30d' }, month, 'savings_usd'),
    );
  });
  const totals = data.windows['30d'].totals;
  if (rows.length > 0)
    rows.push(
      h(
        'tr',
        { class: 'total' },
        h('td', {}, 'All projects'),
        WINDOWS.map(([window]) => costCell('project-total', { window }, data.windows[window].totals)),
        costCell('project-total-savings', { window: '30d' }, totals, 'savings_usd'),
      ),
    );
  table(
    'by-project',
    [['Project'], ['24 h', true], ['7 days', true], ['30 days', true], ['Saved, 30 days', true]],
    rows,
    'No results in the last 30 days.',
  );
  for (const swatch of document.querySelectorAll('#by-project .swatch'))
    swatch.style.background = swatch.dataset.color;
}

function renderProviders(data) {
  const rows = groupRows(data, 'by_provider', (g) => g.provider).map(({ key: provider, windows }) =>
    h(
      'tr',
      { 'data-testid': 'provider-row', dataset: { provider } },
      h('td', {}, provider),
      WINDOWS.map(([window]) =>
        costCell('provider-cost', { provider, window }, windows[window].get(provider)),
      ),
      costCell('provider-savings', { provider, window: '30d' }, windows['30d'].get(provider), 'savings_usd'),
    ),
  );
  table(
    'by-provider',
    [['Provider'], ['24 h', true], ['7 days', true], ['30 days', true], ['Saved, 30 days', true]],
    rows,
    'No results in the last 30 days.',
  );
}

function renderModels(data) {
  const rows = groupRows(data, 'by_model', (g) => `${g.provider}\u0000${g.model}`).map(({ key, windows }) => {
    const [provider, model] = key.split('\u0000');
    const month = windows['30d'].get(key);
    return h(
      'tr',
      { 'data-testid': 'model-row', dataset: { provider, model } },
      h('td', {}, provider),
      h('td', {}, model),
      WINDOWS.map(([window]) =>
        costCell('model-cost', { provider, model, window }, windows[window].get(key)),
      ),
      costCell('model-savings', { provider, model, window: '30d' }, month, 'savings_usd'),
      h('td', { class: 'num' }, count.format(month?.results ?? 0)),
    );
  });
  table(
    'by-model',
    [
      ['Provider'],
      ['Model'],
      ['24 h', true],
      ['7 days', true],
      ['30 days', true],
      ['Saved, 30 days', true],
      ['Results, 30 days', true],
    ],
    rows,
    'No results in the last 30 days.',
  );
}

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

function renderRunning(data, overBudget, now) {
  const rows = data.running_jobs.map((job) =>
    h(
      'tr',
      { 'data-testid': 'running-job', dataset: { jobId: job.job_id, status: job.status } },
      h('td', {}, shortId(job.job_id)),
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

function renderTroubled(data, overBudget, now) {
  const rows = data.troubled_jobs.map((job) =>
    h(
      'tr',
      { 'data-testid': 'troubled-job', dataset: { jobId: job.job_id, status: job.status } },
      h('td', {}, shortId(job.job_id)),
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
        { class: 'num', 'data-testid': 'troubled-outcome', dataset: { done: job.done, total: job.total } },
        `${count.format(job.succeeded)} ok · ${count.format(job.failed)} failed · ${count.format(job.total - job.done)} not run`,
      ),
      jobCost(job),
      h('td', { class: 'num' }, ago(job.finished_at ?? job.created_at, now)),
    ),
  );
  table(
    'troubled-jobs',
    [['Job'], ['Project · owner'], ['Model'], ['Status'], ['Inputs', true], ['Cost', true], ['Ended', true]],
    rows,
    'None in the last 7 days.',
  );
}

function renderBudgets(data) {
  $('budget-month').textContent = data.budgets[0] ? `(${data.budgets[0].month}, UTC)` : '';
  const rows = data.budgets.map((budget) => {
    const used =
      Number(budget.monthly_usd) > 0 ? Number(budget.committed_usd) / Number(budget.monthly_usd) : 1;
    const bar = h(
      'div',
      { class: `progress${budget.over_budget ? ' over' : ''}` },
      h('div', { class: 'done' }),
    );
    bar.children[0].style.width = `${Math.min(100, used * 100)}%`;
    const state = budget.over_budget
      ? badge('over budget', 'over')
      : used >= 0.8
        ? badge(`${percent.format(used)} used`, 'unpriced')
        : badge('ok', 'ok');
    return h(
      'tr',
      {
        'data-testid': 'budget',
        dataset: {
          project: budget.project,
          overBudget: budget.over_budget,
          monthly: budget.monthly_usd,
          committed: budget.committed_usd,
        },
      },
      h('td', {}, budget.project),
      h('td', { class: 'num' }, formatUsd(budget.monthly_usd)),
      h(
        'td',
        { class: 'num', title: `spent ${budget.spent_usd}, reserved ${budget.reserved_usd}` },
        formatUsd(budget.committed_usd),
        h('div', { class: 'progress-label' }, `${formatUsd(budget.spent_usd)} spent`),
      ),
      h('td', {}, bar),
      h('td', {}, state),
    );
  });
  table(
    'budgets',
    [['Project'], ['Monthly', true], ['Committed', true], ['Used'], ['']],
    rows,
    'No budget is set (PUT /v1/budgets/:project).',
  );
}

function renderUnpriced(data, now) {
  const rows = data.unpriced_models.map((model) =>
    h(
      'tr',
      {
        'data-testid': 'unpriced-model',
        dataset: { provider: model.provider, model: model.model, results: model.results },
      },
      h('td', {}, model.provider),
      h('td', {}, model.model, ' ', badge('unpriced', 'unpriced')),
      h('td', { class: 'num' }, count.format(model.results)),
      h('td', { class: 'num' }, ago(model.last_seen, now)),
    ),
  );
  table(
    'unpriced-models',
    [['Provider'], ['Model'], ['Results', true], ['Last seen', true]],
    rows,
    'Every model of the last 30 days has a price.',
  );
}

const charts = {};

function chart(id, config) {
  if (charts[id]) {
    charts[id].data = config.data;
    charts[id].options = config.options;
    charts[id].update('none');
  } else charts[id] = new window.Chart($(id), config);
}

const moneyTooltip = {
  callbacks: { label: (item) => `${item.dataset.label ?? item.label}: ${formatUsd(item.raw)}` },
};

function renderDailyChart(data, colors) {
  const labels = data.daily.days.map((day) =>
    new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', {
      month: 'short',
      day: 'numeric',
      timeZone: 'UTC',
    }),
  );
  chart('daily-chart', {
    type: 'bar',
    data: {
      labels,
      datasets: data.daily.projects.map((series) => ({
        label: series.project,
        data: series.cost_usd.map(Number),
        exact: series.cost_usd,
        backgroundColor: colors.get(series.project),
        borderRadius: 2,
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { stacked: true, grid: { display: false } },
        y: { stacked: true, beginAtZero: true, ticks: { callback: (value) => formatUsd(value) } },
      },
      plugins: { legend: { position: 'bottom' }, tooltip: moneyTooltip },
    },
  });
}

function renderModelChart(data) {
  const priced = data.windows['30d'].by_model.filter((g) => g.unpriced_results < g.results).slice(0, 10);
  chart('model-chart', {
    type: 'bar',
    data: {
      labels: priced.map((g) => `${g.provider} / ${g.model}`),
      datasets: [
        {
          label: 'Cost, 30 days',
          data: priced.map((g) => Number(g.cost_usd)),
          exact: priced.map((g) => g.cost_usd),
          backgroundColor: PALETTE[0],
          borderRadius: 2,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { beginAtZero: true, ticks: { callback: (value) => formatUsd(value) } } },
      plugins: { legend: { display: false }, tooltip: moneyTooltip },
    },
  });
}

function render(data) {
  const now = Date.parse(data.generated_at);
  const colors = new Map();
  for (const project of [
    ...data.windows['30d'].by_project.map((g) => g.project),
    ...data.daily.projects.map((p) => p.project),
  ])
    if (!colors.has(project)) colors.set(project, PALETTE[colors.size % PALETTE.length]);
  const overBudget = new Set(data.budgets.filter((b) => b.over_budget).map((b) => b.project));
  $('content').hidden = false;
  renderCards(data);
  renderDailyChart(data, colors);
  renderProjects(data, colors, overBudget);
  renderProviders(data);
  renderModelChart(data);
  renderModels(data);
  renderRunning(data, overBudget, now);
  renderTroubled(data, overBudget, now);
  renderBudgets(data);
  renderUnpriced(data, now);
  const updated = $('updated-at');
  updated.textContent = `Updated ${new Date(now).toLocaleTimeString('en-GB')}`;
  updated.dataset.generatedAt = data.generated_at;
  document.body.dataset.generatedAt = data.generated_at;
}

/** A key given as `#key=...` moves to sessionStorage, and out of the address bar and the history. */
function takeKeyFromFragment() {
  const key = new URLSearchParams(location.hash.slice(1)).get('key');
  if (!key) return;
  sessionStorage.setItem(KEY_STORAGE, key);
  history.replaceState(null, '', location.pathname + location.search);
}

function showKeyForm(message) {
  $('key-message').textContent = message;
  $('key-form').hidden = false;
  $('content').hidden = true;
  $('forget-key').hidden = true;
  $('updated-at').textContent = 'waiting for a key';
}

function showError(message) {
  const banner = $('error');
  banner.textContent = message;
  banner.hidden = message === '';
}

let loading = false;

async function refresh() {
  if (loading) return;
  loading = true;
  try {
    const key = sessionStorage.getItem(KEY_STORAGE);
    const response = await fetch('/v1/dashboard', {
      headers: key ? { authorization: `Bearer ${key}` } : {},
      cache: 'no-store',
    });
    if (response.status === 401) {
      if (key) sessionStorage.removeItem(KEY_STORAGE);
      showKeyForm(key ? 'That key was refused: enter another.' : 'This server needs an API key.');
      return;
    }
    if (!response.ok) throw new Error(`the API answered HTTP ${response.status}`);
    const data = await response.json();
    $('key-form').hidden = true;
    $('forget-key').hidden = !key;
    render(data);
    showError('');
  } catch (error) {
    showError(`Could not refresh (${error.message}); showing the last figures. Retrying in 30 s.`);
  } finally {
    loading = false;
  }
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('key-input');
  sessionStorage.setItem(KEY_STORAGE, input.value.trim());
  input.value = '';
  refresh();
});
$('forget-key').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_STORAGE);
  showKeyForm('Key forgotten.');
});
$('refresh').addEventListener('click', refresh);
window.addEventListener('hashchange', () => {
  takeKeyFromFragment();
  refresh();
});

takeKeyFromFragment();
refresh();
setInterval(refresh, REFRESH_MS);
