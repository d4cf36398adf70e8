// A job's results as a .jsonl file. The page cannot link to /v1/jobs/:id/results (the key goes in a header, never in
// a URL), so it fetches the stream with the key and hands it to the browser as a Blob: `response.blob()` lets the
// browser collect the bytes itself (Chromium keeps a large blob on disk, not in the page's heap), and the page never
// parses or copies them. A stream cut short rejects the fetch; a count below X-Result-Count is reported.
import { authHeaders, count } from './shared.js';

/** Saves the job's results; resolves to what to tell the user. */
export async function downloadResults(jobId) {
  const response = await fetch(`/v1/jobs/${encodeURIComponent(jobId)}/results`, {
    headers: authHeaders(),
    cache: 'no-store',
  });
  if (!response.ok) throw new Error(`the API answered HTTP ${response.status}`);
  const expected = Number(response.headers.get('x-result-count'));
  const blob = await response.blob();
  const name = `job-${jobId}-results.jsonl`;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken the file once the click is handled: the URL can go a moment later.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return `Saved ${name}: ${count.format(expected)} lines, ${count.format(blob.size)} bytes.`;
}
