/** What an upload has handed to fetch so far. */
export interface UploadProgress {
  inputs: number;
  bytes: number;
}

/** About this much text is encoded per read of the stream: few enough inputs in memory, few enough chunks. */
const CHUNK_BYTES = 64 * 1024;

export interface StreamedUpload {
  stream: ReadableStream<Uint8Array>;
  /** Ends the stream at its next read and lets go of the inputs (the API answered without reading them all). */
  stop(): void;
}

/** How a body is written around its inputs: what comes first, each input, and what comes last. */
export interface BodyShape {
  start: string;
  input(input: unknown, index: number): string;
  end: string;
}

/**
 * A body of `shape.start`, each input as `shape.input` writes it, then `shape.end`, made only as fetch reads it: an
 * input is taken from `inputs` when the stream is asked for more, so a million inputs never sit in memory.
 */
export function streamedUpload(
  shape: BodyShape,
  inputs: Iterable<unknown> | AsyncIterable<unknown>,
  onProgress?: (progress: UploadProgress) => void,
): StreamedUpload {
  const encoder = new TextEncoder();
  const iterator =
    Symbol.asyncIterator in inputs
      ? (inputs as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (inputs as Iterable<unknown>)[Symbol.iterator]();
  const progress: UploadProgress = { inputs: 0, bytes: 0 };
  let started = false;
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
        if (!started) {
          text = shape.start;
          started = true;
        }
        let done = false;
        while (text.length < CHUNK_BYTES) {
          const next = await iterator.next();
          if (next.done) {
            done = true;
            text += shape.end;
            break;
          }
          text += shape.input(next.value, progress.inputs + count);
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
