import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCsvInputs } from './csv-reader.js';

async function read(text: string | string[]) {
  const inputs = [];
  for await (const input of readCsvInputs(Readable.from(Array.isArray(text) ? text : [text]), 'docs.csv'))
    inputs.push(input);
  return inputs;
}

describe('readCsvInputs', () => {
  it('makes one input per row from the columns the header names, leaving empty cells out', async () => {
    const csv =
      '\ufeffid,prompt,system,text\r\na,"Summarise: one, two","Be brief",\r\nb,"say ""hi""\nthen stop",,\r\n\r\nc,,,embed me\r\n';
    expect(await read(csv)).toEqual([
      { id: 'a', prompt: 'Summarise: one, two', system: 'Be brief' },
      { id: 'b', prompt: 'say "hi"\nthen stop' },
      { id: 'c', text: 'embed me' },
    ]);
  });

  it('parses rows split across chunks', async () => {
    expect(await read(['prompt\nfir', 'st\n"sec', 'ond"\n'])).toEqual([
      { prompt: 'first' },
      { prompt: 'second' },
    ]);
  });

  it('refuses an unknown column by name, and a column given twice', async () => {
    await expect(read('id,prompts\na,hello\n')).rejects.toThrow(
      'docs.csv: unknown column "prompts" in the header row; the columns are id, prompt, system, text',
    );
    await expect(read('prompt,prompt\na,b\n')).rejects.toThrow('docs.csv: column "prompt" appears twice');
  });

  it('names the line of a row with too many fields, or an unclosed quote', async () => {
    await expect(read('id,prompt\na,one\nb,two,three\n')).rejects.toThrow(/^docs\.csv: .*line 3/);
    await expect(read('prompt\n"never closed\n')).rejects.toThrow(/^docs\.csv: Quote Not Closed/);
  });
});
