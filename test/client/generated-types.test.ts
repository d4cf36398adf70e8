import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { GENERATED_TYPES_PATH, generatedTypes } from '../../packages/client/scripts/generate-types';

it("the client's committed types are those of the current contract (else: npx tsx packages/client/scripts/generate-types.ts)", async () => {
  const committed = readFileSync(GENERATED_TYPES_PATH, 'utf8');
  // Compared whole, not as a snapshot: a contract change must come with the regenerated file.
  expect(committed, 'stale: run npx tsx packages/client/scripts/generate-types.ts').toBe(
    await generatedTypes(),
  );
});
