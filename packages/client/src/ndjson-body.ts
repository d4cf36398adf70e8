/** What an upload has handed to fetch so far. */
export interface UploadProgress {
  inputs: number;
  bytes: number;
}

/** About this much NDJSON is encoded per read of the stream: few enough inputs in memory, few enough chunks. */
const CHUNK_BYTES = 64 * 1024;

export interface NdjsonUpload {
  stream: ReadableStream<Uint8Array>;
  /** Ends the stream at its next read and lets go of the inputs (the API answered without reading them all). */
  stop(): void;
}

/**
 * An NDJSON job body, `header` on the first line and one input per line after it, made only as fetch reads it: an
 * input is taken from `inputs` when the stream is asked for more, so a million inputs never sit in memory.
 */
export function ndjsonUpload(
  header: unknown,
  inputs: Iterable<unknown> | AsyncIterable<unknown>,
  onProgress?: (progress: UploadProgress) => void,
): NdjsonUpload {
  const encoder = new TextEncoder();
  const iterator =
    Symbol.asyncIterator in inputs
      ? (inputs as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (inputs as Iterable<unknown>)[Symbol.iterator]();
  const progress: UploadProgress = { inputs: 0, bytes: 0 };
  let headerSent = false;
  let stopped = false;
  const release = async () => {
    await iterator.return?.();
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (stopped) {
          controller.close();
          return;
        }
        let text = '';
        let count = 0;
        if (!headerSent) {
          text = `${JSON.stringify(header)}\n`;
          headerSent = true;
        }
        let done = false;
        while (text.length < CHUNK_BYTES) {
          const next = await iterator.next();
          if (next.done) {
            done = true;
            break;
          }
          text += `${JSON.stringify(next.value)}\n`;
          count++;
        }
        const chunk = encoder.encode(text);
        progress.inputs += count;
        progress.bytes += chunk.byteLength;
        if (chunk.byteLength > 0) controller.enqueue(chunk);
        onProgress?.({ ...progress });
        if (done) controller.close();
      },
      cancel: release,
    },
    // Nothing is read ahead: the next chunk is made when fetch asks for it.
    { highWaterMark: 0 },
  );
  return {
    stream,
    stop() {
      if (stopped) return;
      stopped = true;
      void release().catch(() => {});
    },
  };
}
