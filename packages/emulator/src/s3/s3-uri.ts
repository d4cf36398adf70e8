export interface S3Location {
  bucket: string;
  /** The key or key prefix; may be empty. */
  key: string;
}

export function parseS3Uri(uri: string): S3Location | null {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) return null;
  return { bucket: match[1]!, key: match[2]! };
}

export function formatS3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
