import { copyFile, link } from 'node:fs/promises';
import type { BlobStore } from '../core/blob-store';
import { formatGsUri, parseGsUri } from '../gcs/gs-uri';
import type { GcsObjectStore, StoredObject } from '../gcs/object-store';
import type { InputFile } from './job-plan';

/** The objects `gcsSource.uris` name; a `*` in a URI matches any run of characters (`gs://b/in/*.jsonl`). */
export function resolveInputs(store: GcsObjectStore, uris: string[]): StoredObject[] {
  const found = new Map<string, StoredObject>();
  for (const uri of uris) {
    const parsed = parseGsUri(uri);
    if (!parsed) continue;
    const star = parsed.name.indexOf('*');
    if (star === -1) {
      const object = store.get(parsed.bucket, parsed.name);
      if (object) found.set(`${object.bucket}/${object.name}`, object);
      continue;
    }
    const pattern = new RegExp(`^${parsed.name.split('*').map(escapeRegExp).join('.*')}$`, 's');
    for (const object of store.objects(parsed.bucket, parsed.name.slice(0, star))) {
      if (pattern.test(object.name)) found.set(`${object.bucket}/${object.name}`, object);
    }
  }
  return [...found.values()];
}

/** Pins the input bytes for the job with hard links (a copy where links are not possible). */
export async function pinInputs(
  objects: StoredObject[],
  blobs: BlobStore,
  jobId: string,
): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const object of objects) {
    const path = blobs.newPath(`vertex-${jobId}-in`);
    try {
      await link(object.path, path);
    } catch {
      await copyFile(object.path, path);
    }
    files.push({ uri: formatGsUri(object.bucket, object.name), path, size: object.size });
  }
  return files;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
