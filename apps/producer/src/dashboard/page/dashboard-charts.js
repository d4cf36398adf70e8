// The dashboard's charts (chart.js, loaded by the page): daily cost by project and cost by model. Axes and
// tooltips use the pages' one money format, so neighbouring ticks never read alike.
import { $, formatUsd } from './shared.js';

export const PALETTE = [
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

/** Ticks at round amounts, each shown in the money format (distinct: four significant digits below $1). */
const moneyTicks = { callback: (value) => formatUsd(value) };

export function renderDailyChart(data, colors) {
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
        y: { stacked: true, beginAtZero: true, ticks: moneyTicks },
      },
      plugins: { legend: { position: 'bottom' }, tooltip: moneyTooltip },
    },
  });
}

export function renderModelChart(data) {
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
      scales: { x: { beginAtZero: true, ticks: moneyTicks } },
      plugins: { legend: { display: false }, tooltip: moneyTooltip },
    },
  });
}
