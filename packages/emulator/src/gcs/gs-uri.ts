export interface GsUri {
  bucket: string;
  /** The object name or prefix; may be empty. */
  name: string;
}

export function parseGsUri(uri: string): GsUri | null {
  const match = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) return null;
  return { bucket: match[1]!, name: match[2]! };
}

export function formatGsUri(bucket: string, name: string): string {
  return `gs://${bucket}/${name}`;
}
