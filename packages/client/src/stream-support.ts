let supported: boolean | undefined;

/**
 * Whether this runtime's fetch sends a `ReadableStream` body as it is read (`duplex: 'half'`): Node.js, Deno, Bun and
 * Chromium do; Firefox and Safari do not yet. The test is the one browsers document: a Request that supports it
 * reads `duplex`, and sets no content type for a stream (it would for a body it turned into text).
 */
export function canStreamUploads(): boolean {
  if (supported !== undefined) return supported;
  try {
    let duplexRead = false;
    const request = new Request('http://localhost/', {
      method: 'POST',
      body: new ReadableStream(),
      get duplex() {
        duplexRead = true;
        return 'half';
      },
    } as RequestInit);
    supported = duplexRead && !request.headers.has('content-type');
  } catch {
    supported = false;
  }
  return supported;
}
