/**
 * The complete lines of an NDJSON body as they arrive, without their `\n`; blank lines are skipped. Only the line
 * being received is held. A last line without its `\n` is not complete (the API ends every line with one): it is
 * dropped, so a stream cut mid-line yields one line fewer. Breaking out of the loop cancels the body.
 */
export async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      pending += decoder.decode(value, { stream: true });
      let end = pending.indexOf('\n');
      while (end !== -1) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        if (line.trim() !== '') yield line;
        end = pending.indexOf('\n');
      }
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
