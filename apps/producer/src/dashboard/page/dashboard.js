// The cost dashboard: reads /v1/dashboard every 30 s and renders it (figures, charts and job tables are drawn by
// the modules below; shared.js holds the key, the API call and the money format every page uses).
import { PALETTE, renderDailyChart, renderModelChart } from './dashboard-charts.js';
import {
  renderBudgets,
  renderCards,
  renderModels,
  renderProjects,
  renderProviders,
  renderUnpriced,
} from './dashboard-figures.js';
import { renderPartlyFailed, renderRunning, renderTroubled } from './dashboard-jobs.js';
import { $, api, KeyRefused, setupKey } from './shared.js';

const REFRESH_MS = 30_000;

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
  renderPartlyFailed(data, overBudget, now);
  renderBudgets(data);
  renderUnpriced(data, now);
  const updated = $('updated-at');
  updated.textContent = `Updated ${new Date(now).toLocaleTimeString('en-GB')}`;
  updated.dataset.generatedAt = data.generated_at;
  document.body.dataset.generatedAt = data.generated_at;
}

let loading = false;

async function load() {
  if (loading) return;
  loading = true;
  try {
    render(await api('/v1/dashboard'));
  } catch (error) {
    if (error instanceof KeyRefused) throw error;
    throw new Error(`Could not refresh (${error.message}); showing the last figures. Retrying in 30 s.`);
  } finally {
    loading = false;
  }
}

const refresh = setupKey(load);
$('refresh').addEventListener('click', refresh);
refresh();
setInterval(refresh, REFRESH_MS);
