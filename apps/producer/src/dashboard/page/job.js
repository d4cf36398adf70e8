// A job's page (/dashboard/job.html#id=<job>): its status, reconciliation, cost, provider batches and failures,
// refreshed every 3 s until it ends; a results download, and a Cancel button for member and admin keys.
import { downloadResults } from './job-download.js';
import {
  renderBatches,
  renderCost,
  renderFailures,
  renderReconciliation,
  renderSummary,
} from './job-sections.js';
import { $, api, fragment, setupKey, showError, TERMINAL_STATUSES } from './shared.js';

const REFRESH_MS = 3_000;
const FAILURE_EXAMPLES = 3;

const jobId = () => fragment().get('id') ?? '';

function render(job, failures, role) {
  renderSummary(job);
  renderReconciliation(job);
  renderCost(job);
  renderBatches(job);
  renderFailures(failures);
  const running = !TERMINAL_STATUSES.includes(job.status);
  // Viewers read only; a job that ended (or is ending) has nothing left to cancel.
  $('cancel').hidden = !(running && job.status !== 'cancelling' && (role === 'member' || role === 'admin'));
  $('refresh-note').hidden = !running;
  const now = Date.now();
  $('updated-at').textContent = `Updated ${new Date(now).toLocaleTimeString('en-GB')}`;
  document.body.dataset.status = job.status;
}

async function load() {
  const id = jobId();
  if (!id) throw new Error('No job given: open /dashboard/job.html#id=<job id>.');
  const [job, failures, me] = await Promise.all([
    api(`/v1/jobs/${encodeURIComponent(id)}`),
    api(`/v1/jobs/${encodeURIComponent(id)}/failures?examples=${FAILURE_EXAMPLES}`),
    api('/v1/me'),
  ]);
  render(job, failures, me.role);
}

const refresh = setupKey(async () => {
  try {
    await load();
  } catch (error) {
    if (error.status === 404) throw new Error(`No job ${jobId()} in your projects.`);
    throw error;
  }
});

async function act(button, busy, work) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = busy;
  try {
    $('action-note').textContent = await work();
  } catch (error) {
    showError(error.message);
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

$('download').addEventListener('click', () =>
  act($('download'), 'Downloading…', () => downloadResults(jobId())),
);
$('cancel').addEventListener('click', () => {
  if (!window.confirm('Cancel this job? Requests not yet done will not be sent again.')) return;
  act($('cancel'), 'Cancelling…', async () => {
    const job = await api(`/v1/jobs/${encodeURIComponent(jobId())}/cancel`, { method: 'POST' });
    await refresh();
    return `Cancel requested: the job is ${job.status.replaceAll('_', ' ')}.`;
  });
});
$('refresh').addEventListener('click', refresh);

refresh();
setInterval(() => {
  const status = document.body.dataset.status;
  if (status && !TERMINAL_STATUSES.includes(status)) refresh();
}, REFRESH_MS);
