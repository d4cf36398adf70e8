// Run as its own process by large-upload.test.ts: submits `inputs` inputs of about `promptBytes` each, made by an
// async generator as they are sent, and prints what the API answered with this process's peak RSS (as JSON, on its
// last line).
import { type JobInput, TrancheClient } from '@tranche/client';

const [url, count, project, promptBytes] = process.argv.slice(2);
if (!url || !count || !project || !promptBytes)
  throw new Error('usage: submit-many.ts <api url> <inputs> <project> <prompt bytes>');
const inputs = Number(count);
const FILLER = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(
  Number(promptBytes) / 57 + 1,
);

async function* generated(): AsyncGenerator<JobInput> {
  for (let i = 0; i < inputs; i++)
    yield { id: `n-${i}`, prompt: `${i}: ${FILLER.slice(0, Number(promptBytes))}` };
}

let uploaded = { inputs: 0, bytes: 0 };
const client = new TrancheClient({ url });
const response = await client.submit(
  {
    provider: 'anthropic',
    model: 'claude-opus-4-5',
    defaults: { params: { max_tokens: 16 } },
    metadata: { project, owner: 'client-tests' },
    inputs: generated(),
  },
  { onUpload: (progress) => (uploaded = progress) },
);
console.log(JSON.stringify({ response, uploaded, maxRssKb: process.resourceUsage().maxRSS }));
