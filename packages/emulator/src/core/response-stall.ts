import type { ServerResponse } from 'node:http';

type Chunk = string | Uint8Array | null | undefined;
type Callback = (error?: Error | null) => void;

function toBytes(chunk: Chunk, encoding: unknown): Buffer {
  if (chunk === null || chunk === undefined) return Buffer.alloc(0);
  if (typeof chunk === 'string')
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Lets the handler run, sends the status, the headers and the first `afterBytes` bytes of the answer, then nothing
 * more: the connection stays open, silent, until the client gives up. A download that stalls partway, as when a
 * provider's file storage stops sending; the handler's own writes are taken and dropped so that it finishes.
 */
export function stallResponse(res: ServerResponse, afterBytes: number): void {
  const originalWrite = res.write.bind(res) as (chunk: Uint8Array) => boolean;
  let sent = 0;
  const pass = (chunk: Chunk, encoding: unknown) => {
    const bytes = toBytes(chunk, encoding);
    const room = afterBytes - sent;
    if (room > 0 && bytes.length > 0) {
      const part = bytes.subarray(0, room);
      sent += part.length;
      originalWrite(part);
    }
    if (!res.headersSent) res.flushHeaders();
  };
  const callbackOf = (args: unknown[]) => args.find((a): a is Callback => typeof a === 'function');
  res.write = ((chunk: Chunk, ...args: unknown[]) => {
    pass(chunk, args[0]);
    const callback = callbackOf(args);
    if (callback) process.nextTick(callback);
    return true;
  }) as ServerResponse['write'];
  // Never ends: the client sees a body that stops coming.
  res.end = ((chunk?: Chunk | Callback, ...args: unknown[]) => {
    if (typeof chunk !== 'function') pass(chunk, args[0]);
    else pass(null, undefined);
    return res;
  }) as ServerResponse['end'];
}
