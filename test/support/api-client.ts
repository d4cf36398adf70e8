export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

// biome-ignore lint/suspicious/noExplicitAny: test bodies are whatever the API answered
export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResponse<T>> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // NDJSON or plain text: the caller reads it as a string
  }
  return { status: response.status, body: parsed as T };
}

/** Every result line of a job; throws when the stream holds fewer lines than its `X-Result-Count` announced. */
export async function resultLines(base: string, jobId: string): Promise<Array<Record<string, unknown>>> {
  const response = await fetch(`${base}/v1/jobs/${jobId}/results`);
  if (!response.ok) throw new Error(`results: HTTP ${response.status}`);
  const announced = Number(response.headers.get('x-result-count'));
  if (!Number.isInteger(announced)) throw new Error('results: no X-Result-Count header');
  const text = await response.text();
  const lines = text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  if (lines.length !== announced)
    throw new Error(
      `results: ${lines.length} lines where X-Result-Count announced ${announced}: the stream was cut`,
    );
  return lines;
}

export const TERMINAL = ['completed', 'completed_with_failures', 'failed', 'cancelled', 'timed_out'];

// biome-ignore lint/suspicious/noExplicitAny: job views are read loosely in tests
export async function waitForJob(base: string, jobId: string, timeoutMs = 120_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call(base, 'GET', `/v1/jobs/${jobId}`);
    if (TERMINAL.includes(body.status)) return body;
    if (Date.now() > deadline)
      throw new Error(
        `job ${jobId} still ${body.status} after ${timeoutMs} ms: ${JSON.stringify(body.reconciliation)}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}
