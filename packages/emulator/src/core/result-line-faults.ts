import type { MalformedShape } from './fault-schema';
import { createRng, type Rng, seedFrom } from './prng';

/** The result-line faults of one batch (`malformed_lines`, `unknown_lines`, `duplicate_lines`, `truncate_output`). */
export interface LineFaults {
  malformed: { rate: number; shape: MalformedShape } | null;
  unknownRate: number;
  duplicateRate: number;
  /** Each result file ends partway through this line (1-based); null: files are whole. */
  truncateAt: number | null;
}

type Json = Record<string, unknown>;

/** Where a provider's result line carries its custom id. */
export interface LineIdentity {
  get(line: Json): string | null;
  /** Sets the id, or with null removes it. */
  set(line: Json, id: string | null): void;
}

/** OpenAI, Mistral and Anthropic: a top-level `custom_id`. */
export const topLevelCustomId: LineIdentity = {
  get: (line) => (typeof line.custom_id === 'string' ? line.custom_id : null),
  set: (line, id) => {
    if (id === null) delete line.custom_id;
    else line.custom_id = id;
  },
};

const NOT_JSON = '<html><body>502 Bad Gateway</body></html>';

/**
 * Applies a batch's line faults to the lines of one result file, in the order they are written. Draws come from
 * `seed` and `stream` (e.g. provider, batch and file), so a batch's files repeat byte for byte.
 */
export class ResultLineFaults {
  private readonly rng: Rng;
  private written = 0;
  private unknown = 0;

  /** The faults to apply to a file, or null when the batch has none (its lines are written as they are). */
  static of(
    faults: LineFaults,
    seed: number,
    stream: Array<string | number>,
    identity: LineIdentity,
  ): ResultLineFaults | null {
    const none =
      !faults.malformed && !faults.unknownRate && !faults.duplicateRate && faults.truncateAt === null;
    return none ? null : new ResultLineFaults(faults, seed, stream, identity);
  }

  private constructor(
    private readonly faults: LineFaults,
    seed: number,
    stream: Array<string | number>,
    private readonly identity: LineIdentity,
  ) {
    this.rng = createRng(seedFrom(seed, ...stream, 'line-faults'));
  }

  /** What to write in place of `line`: itself, a broken version, one more line after it, or nothing (truncated). */
  apply(line: string): string[] {
    const { malformed, unknownRate, duplicateRate, truncateAt } = this.faults;
    if (truncateAt !== null && this.written >= truncateAt) return [];
    let lines = [line];
    if (malformed && this.rng.next() < malformed.rate) lines = [this.malformed(line, malformed.shape)];
    else if (duplicateRate > 0 && this.rng.next() < duplicateRate) lines = [line, line];
    else if (unknownRate > 0 && this.rng.next() < unknownRate) lines = [line, this.withUnknownId(line)];
    const kept: string[] = [];
    for (const out of lines) {
      this.written += 1;
      if (truncateAt !== null && this.written === truncateAt) {
        kept.push(firstHalf(out));
        break;
      }
      kept.push(out);
    }
    return kept;
  }

  private malformed(line: string, shape: MalformedShape): string {
    switch (shape) {
      case 'truncated':
        return firstHalf(line);
      case 'not_json':
        return NOT_JSON;
      case 'not_object':
        return '[]';
      case 'no_custom_id': {
        const parsed = JSON.parse(line) as Json;
        this.identity.set(parsed, null);
        return JSON.stringify(parsed);
      }
      case 'only_custom_id': {
        const only: Json = {};
        this.identity.set(only, this.identity.get(JSON.parse(line) as Json));
        return JSON.stringify(only);
      }
    }
  }

  private withUnknownId(line: string): string {
    const parsed = JSON.parse(line) as Json;
    this.unknown += 1;
    this.identity.set(parsed, `unknown-${this.unknown}`);
    return JSON.stringify(parsed);
  }
}

/** A line cut in the middle, as a file cut short ends. */
function firstHalf(line: string): string {
  return line.slice(0, Math.ceil(line.length / 2));
}
