import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@tranche/emulator';
import { describe, expect, it } from 'vitest';
import { ALL_DESCRIPTORS, DESCRIPTORS, providerEnvSchema } from './providers';
import { PROVIDERS } from './types';

/** What each descriptor promises the rest of the service, checked for every provider. */

const SRC = dirname(fileURLToPath(import.meta.url));
const PACKAGE = join(SRC, '..');
const REPO = join(PACKAGE, '..', '..');

interface ModuleImport {
  specifier: string;
  dynamic: boolean;
}

/** The imports of a module that load something at run time: `import type` and `export type` are left out. */
function runtimeImports(source: string): ModuleImport[] {
  const found: ModuleImport[] = [];
  const statement = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const match of source.matchAll(statement)) {
    if (!match[1]) found.push({ specifier: match[2]!, dynamic: false });
  }
  for (const match of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    found.push({ specifier: match[1]!, dynamic: true });
  }
  return found;
}

function resolveModule(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      // try the next form
    }
  }
  throw new Error(`${specifier} (from ${from}) resolves to no module`);
}

/** Every import made when `entry` loads, through the package's own modules: where it is made and what it names. */
function moduleGraph(entry: string): Array<ModuleImport & { module: string }> {
  const seen = new Set<string>();
  const imports: Array<ModuleImport & { module: string }> = [];
  const visit = (module: string) => {
    if (seen.has(module)) return;
    seen.add(module);
    for (const found of runtimeImports(readFileSync(module, 'utf8'))) {
      imports.push({ ...found, module: module.slice(SRC.length + 1) });
      if (found.specifier.startsWith('.') && !found.dynamic) visit(resolveModule(module, found.specifier));
    }
  };
  visit(entry);
  return imports;
}

/** The SDKs the adapters call providers through: every dependency but our own packages and small libraries. */
const SDKS = Object.keys(
  (
    JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    }
  ).dependencies,
).filter((name) => !name.startsWith('@tranche/') && !['zod', 'ajv', 're2js'].includes(name));
const isSdk = (specifier: string) => SDKS.some((sdk) => specifier === sdk || specifier.startsWith(`${sdk}/`));

const composeFile = readFileSync(join(REPO, 'docker-compose.yml'), 'utf8');

it('lists one descriptor per provider name, under that name, in the same order', () => {
  expect(Object.keys(DESCRIPTORS)).toEqual([...PROVIDERS]);
  expect(ALL_DESCRIPTORS.map((d) => d.name)).toEqual([...PROVIDERS]);
  expect(SDKS).toContain('openai');
});

it('points each provider at the emulator where the emulator says it serves that provider', async () => {
  const emulator = await startEmulator({ port: 0 });
  try {
    const fromDescriptors = Object.assign({}, ...ALL_DESCRIPTORS.map((d) => d.env.emulator(emulator.url)));
    expect(Object.keys(emulator.clientEnv).length).toBeGreaterThanOrEqual(ALL_DESCRIPTORS.length);
    for (const [name, value] of Object.entries(emulator.clientEnv))
      expect(fromDescriptors[name], name).toBe(value);
  } finally {
    await emulator.close();
  }
});

it('loads no SDK with the descriptors: a process imports one only when it first calls that provider', () => {
  const staticSdkImports = moduleGraph(join(SRC, 'providers.ts')).filter(
    (i) => !i.dynamic && isSdk(i.specifier),
  );
  expect(staticSdkImports).toEqual([]);
});

describe.each(ALL_DESCRIPTORS.map((d) => [d.name, d] as const))('%s', (name, descriptor) => {
  const variables = Object.keys(descriptor.env.schema.shape);

  it('encodes with a module that imports nothing but the package’s own pure modules and the contracts', async () => {
    const entry = join(SRC, name, 'encoder.ts');
    const outside = moduleGraph(entry).filter(
      (i) => i.dynamic || !(i.specifier.startsWith('.') || i.specifier === '@tranche/contracts'),
    );
    expect(outside).toEqual([]);
    const module = (await import(/* @vite-ignore */ entry)) as Record<string, unknown>;
    expect(Object.values(module)).toContain(descriptor.encoder);
  });

  it('reaches the emulator with its own variables only, and is configured by them', () => {
    const emulatorEnv = descriptor.env.emulator('http://127.0.0.1:4010');
    for (const key of Object.keys(emulatorEnv)) expect(variables).toContain(key);
    const parsed = descriptor.env.schema.parse(emulatorEnv);
    expect(descriptor.env.options(parsed)).toHaveProperty('options');
    expect(descriptor.env.options({})).toEqual({ missing: descriptor.env.realWhen[0] });
  });

  it('declares every variable it names (real provider, usage tier)', () => {
    for (const key of descriptor.env.realWhen) expect(variables).toContain(key);
    const tier = descriptor.limits.inFlight?.tierVariable;
    if (tier) expect(variables).toContain(tier);
  });

  it('is configured by the workers: its variables are in the provider schema and passed on by docker-compose.yml', () => {
    for (const key of variables) {
      expect(Object.keys(providerEnvSchema.shape)).toContain(key);
      expect(composeFile, `docker-compose.yml passes ${key} to the services`).toMatch(
        new RegExp(`^\\s+${key}: \\$\\{${key}:-`, 'm'),
      );
    }
  });

  it('runs chat batches, and sizes embeddings somewhere exactly when it runs embedding batches', () => {
    expect(descriptor.kinds).toContain('chat');
    expect(descriptor.embeddingSize !== null).toBe(descriptor.kinds.includes('embedding'));
  });
});
