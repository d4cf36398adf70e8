// The cost figures of the dashboard: the window cards, the tables by project, provider and model, the budgets and
// the unpriced models. Every figure keeps its exact value (a decimal string, as the API sent it) in a data-value
// attribute; the text shows it in the one money format of the pages.
import { $, ago, badge, compact, count, formatUsd, h, percent, table } from './shared.js';

export const WINDOWS = [
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
];

/** Results without a price, under an amount: the amount leaves them out. */
export const unpricedNote = (n) =>
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

export function renderCards(data) {
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

export function renderProjects(data, colors, overBudget) {
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

export function renderProviders(data) {
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

export function renderModels(data) {
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

export function renderBudgets(data) {
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

export function renderUnpriced(data, now) {
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
