export interface GcsLocation {
  bucket: string;
  /** Object name or prefix, without a leading slash. */
  name: string;
}

export function parseGcsUri(uri: string): GcsLocation | null {
  const match = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return match ? { bucket: match[1]!, name: match[2]! } : null;
}

export function gcsUri(bucket: string, name: string): string {
  return `gs://${bucket}/${name}`;
}

/** Where one chunk's files live: `<root>/<jobId>/<chunkKey>/input.jsonl` and `…/output/prediction-model-*`. */
export function chunkFolder(root: string, jobId: string, chunkKey: string): string {
  return `${root}/${jobId}/${chunkKey}`;
}
