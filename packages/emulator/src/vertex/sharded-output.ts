import { JsonlWriter } from '../core/jsonl-writer';

export interface OutputFile {
  /** Object name, e.g. `out/prediction-model-…/predictions.jsonl`. */
  name: string;
  path: string;
}

/**
 * `predictions.jsonl`, or with a shard size `predictions_00001.jsonl`, `predictions_00002.jsonl`, … Whether
 * Vertex shards large outputs, and how it names the pieces, is UNCONFIRMED; readers should take every `*.jsonl`.
 */
export class ShardedOutput {
  readonly files: OutputFile[] = [];
  private writer: JsonlWriter | null = null;
  private linesInShard = 0;

  constructor(
    private readonly directoryName: string,
    private readonly shardLines: number | null,
    private readonly newPath: () => string,
  ) {}

  async writeLine(line: string): Promise<void> {
    if (!this.writer || (this.shardLines !== null && this.linesInShard >= this.shardLines))
      await this.rotate();
    this.linesInShard += 1;
    const waiting = this.writer!.writeLine(line);
    if (waiting) await waiting;
  }

  async close(): Promise<void> {
    await this.writer?.close();
    this.writer = null;
  }

  private async rotate(): Promise<void> {
    await this.close();
    const file =
      this.shardLines === null
        ? 'predictions.jsonl'
        : `predictions_${String(this.files.length + 1).padStart(5, '0')}.jsonl`;
    const path = this.newPath();
    this.files.push({ name: `${this.directoryName}/${file}`, path });
    this.writer = new JsonlWriter(path);
    this.linesInShard = 0;
  }
}
