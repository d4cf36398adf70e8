import type { Readable } from 'node:stream';
import type { JobInput } from '@tranche/client';
import { CsvError, parse } from 'csv-parse';
import { InputFileError } from './input-file-error.js';

/** The input fields a CSV column may name: the text fields of an input. */
export const CSV_COLUMNS = ['id', 'prompt', 'system', 'text'] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];

function checkedColumns(header: string[], name: string): CsvColumn[] {
  const seen = new Set<string>();
  return header.map((raw) => {
    const column = raw.trim();
    if (!(CSV_COLUMNS as readonly string[]).includes(column))
      throw new InputFileError(
        `${name}: unknown column "${column}" in the header row; the columns are ${CSV_COLUMNS.join(', ')}`,
      );
    if (seen.has(column)) throw new InputFileError(`${name}: column "${column}" appears twice`);
    seen.add(column);
    return column as CsvColumn;
  });
}

/** An empty cell is no value: a file may have both `prompt` and `text` columns and fill one per row. */
function inputOf(record: Record<CsvColumn, string>): JobInput {
  const input: Record<string, string> = {};
  for (const [column, value] of Object.entries(record)) if (value !== '') input[column] = value;
  return input as JobInput;
}

/**
 * The inputs of a CSV file whose header row names input fields (id, prompt, system, text), one input per row,
 * parsed as the file streams in.
 */
export async function* readCsvInputs(stream: Readable, name: string): AsyncGenerator<JobInput> {
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    columns: (header: string[]) => checkedColumns(header, name),
  });
  stream.on('error', (error) => parser.destroy(error));
  stream.pipe(parser);
  try {
    for await (const record of parser) yield inputOf(record as Record<CsvColumn, string>);
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    if (error instanceof CsvError) throw new InputFileError(`${name}: ${error.message}`, { cause: error });
    throw error;
  } finally {
    stream.unpipe(parser);
    stream.destroy();
  }
}
