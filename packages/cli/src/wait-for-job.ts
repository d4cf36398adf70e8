import type { JobView, TrancheClient } from '@tranche/client';
import { jobProgress } from './job-text.js';
import { createProgress } from './progress/create-progress.js';
import type { ProgressMode } from './progress/progress.js';

/** Follows a job to a terminal status with a progress display of its reconciliation. */
export async function waitWithProgress(
  client: TrancheClient,
  jobId: string,
  mode: ProgressMode,
  intervalMs: number,
): Promise<JobView> {
  const progress = createProgress(mode, 'running');
  const show = (job: JobView) => {
    const { value, total, detail } = jobProgress(job);
    progress.update(value, total, detail);
  };
  try {
    // onProgress sees every view of the job, the finished one included.
    return await client.wait(jobId, { intervalMs, onProgress: show });
  } finally {
    progress.stop();
  }
}
