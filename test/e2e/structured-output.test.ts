import { compileOutputSchema } from '@tranche/adapters';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { clientFor } from '../support/client';
import { chatJob } from '../support/jobs';
import { stackWithClient } from '../support/stack-with-client';

const Invoice = z.object({
  vendor: z.string(),
  total: z.number(),
  currency: z.enum(['EUR', 'USD']),
  lines: z.array(z.object({ label: z.string(), amount: z.number() })),
});

const t = stackWithClient({ name: 'structured' });

// Same-length prompts: the emulator's token rule then bills every attempt the same.
const inputs = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `inv-${i}`,
    prompt: `Extract invoice ${String(i).padStart(4, '0')}`,
  }));

describe('structured output', () => {
  it('takes a zod schema in the SDK and returns outputs that match it', async () => {
    const submitted = await t.client.submit({
      ...chatJob(0),
      inputs: inputs(20),
      output: { name: 'invoice', schema: Invoice },
    });
    const done = await t.client.wait(submitted.job_id, { intervalMs: 200 });
    expect(done.status).toBe('completed');
    for await (const result of t.client.results(submitted.job_id)) {
      expect(Invoice.safeParse((result.output as { json: unknown }).json).success).toBe(true);
    }
  });

  it('retries invalid outputs within max_attempts and still counts their tokens', async () => {
    t.stack.emulator.setFaults({ seed: 5, invalid_json_rate: 0.4 });
    const schema = z.toJSONSchema(Invoice) as Record<string, unknown>;
    const submitted = await t.client.submit({
      ...chatJob(0),
      inputs: inputs(40),
      output: { schema },
      options: { max_attempts: 2 },
    });
    const done = await t.client.wait(submitted.job_id, { intervalMs: 200 });
    t.stack.emulator.resetAll();
    expect(done.reconciliation.retried).toBeGreaterThan(0);
    const validate = compileOutputSchema(schema);
    const results = [];
    for await (const result of t.client.results(submitted.job_id)) results.push(result);
    const single = results.map((r) => r.usage?.input_tokens ?? 0).sort((a, b) => a - b)[0] ?? 0;
    expect(single).toBeGreaterThan(0);
    for (const result of results) {
      if (result.status === 'succeeded')
        expect(validate((result.output as { json: unknown }).json)).toBeNull();
      else expect(result.error).toMatchObject({ type: 'invalid_output', retryable: true });
    }
    // An input that needed a second attempt was billed for both.
    const [{ custom_id: retriedId } = { custom_id: '' }] = await t.stack.sql<{ custom_id: string }[]>`
      select custom_id from inputs where job_id = ${submitted.job_id} and attempts = 2 limit 1`;
    const retried = results.find((r) => r.custom_id === retriedId);
    expect(retried?.usage?.input_tokens).toBe(2 * single);
  });

  it('rejects an output schema that is not a JSON Schema', async () => {
    const submitted = clientFor(t.stack).submit({
      ...chatJob(1),
      output: { schema: { type: 'object', properties: { a: { type: 'strin' } } } },
    });
    await expect(submitted).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('output.schema: not a usable JSON Schema'),
    });
  });

  it('refuses a pattern RE2 cannot run in linear time (a backreference), naming the field', async () => {
    const submitted = clientFor(t.stack).submit({
      ...chatJob(1),
      output: { schema: { type: 'object', properties: { code: { type: 'string', pattern: '^(a+)\\1$' } } } },
    });
    await expect(submitted).rejects.toMatchObject({
      status: 400,
      problems: [
        {
          field: 'output.schema.properties.code.pattern',
          message: expect.stringContaining('cannot run in linear time'),
        },
      ],
    });
  });

  it('takes two jobs whose schemas carry the same $id', async () => {
    const schema = {
      $id: 'https://example.com/invoice',
      type: 'object',
      properties: { a: { type: 'string' } },
    };
    for (let i = 0; i < 2; i++) {
      const estimate = await clientFor(t.stack).estimate({ ...chatJob(1), output: { schema } });
      expect(estimate.to_send).toBe(1);
    }
  });
});
