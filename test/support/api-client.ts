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

export async function resultLines(base: string, jobId: string): Promise<Array<Record<string, unknown>>> {
  const response = await fetch(`${base}/v1/jobs/${jobId}/results`);
  if (!response.ok) throw new Error(`results: HTTP ${response.status}`);
  const text = await response.text();
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
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
