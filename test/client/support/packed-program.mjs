// A program of another repository: the packed client installed from its tarball, nothing of the workspace.
import { IncompleteResultsError, TrancheClient, TrancheError } from '@tranche/client';

const client = new TrancheClient({ url: process.env.TRANCHE_URL });
const submitted = await client.submit({
  provider: 'openai',
  model: 'gpt-4o-mini',
  metadata: { project: 'packed', owner: 'elsewhere' },
  inputs: [
    { id: 'a', prompt: 'Say a' },
    { id: 'b', prompt: 'Say b' },
  ],
});
const statuses = new Set();
const done = await client.wait(submitted.job_id, {
  intervalMs: 200,
  onProgress: (job) => statuses.add(job.status),
});
const results = [];
for await (const result of client.results(submitted.job_id))
  results.push({ id: result.id, status: result.status });
const notFound = await client.get('00000000-0000-4000-8000-000000000000').catch((error) => error);
console.log(
  JSON.stringify({
    status: done.status,
    sawFinish: statuses.has(done.status),
    results,
    notFound: {
      isTrancheError: notFound instanceof TrancheError,
      name: notFound.name,
      status: notFound.status,
    },
    incompleteIsTranche: new IncompleteResultsError(2, 1) instanceof TrancheError,
  }),
);
