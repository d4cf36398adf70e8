import { randomBytes } from 'node:crypto';
import { sha256 } from '../core/hash';

/** A 19-digit job id like `7737084104264384512`, random so ids never repeat across restarts. */
export function newJobId(): string {
  const value = randomBytes(8).readBigUInt64BE(0) % 8_000_000_000_000_000_000n;
  return String(1_000_000_000_000_000_000n + value);
}

/** Resource names carry the project number; a project id maps to a stable 12-digit one. */
export function projectNumberFor(project: string): string {
  if (/^\d+$/.test(project)) return project;
  const value = sha256(`project:${project}`).readBigUInt64BE(0) % 900_000_000_000n;
  return String(100_000_000_000n + value);
}

/** Operation ids look like job ids. */
export const newOperationId = newJobId;
