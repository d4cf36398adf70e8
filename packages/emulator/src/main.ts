import { parseEmulatorEnv } from './env';
import { startEmulator } from './server';

async function main(): Promise<void> {
  const env = parseEmulatorEnv(process.env);
  const emulator = await startEmulator({
    port: env.EMULATOR_PORT,
    host: env.EMULATOR_HOST,
    stepMs: env.EMULATOR_STEP_MS,
    seed: env.EMULATOR_SEED,
  });
  console.log(
    `emulator listening on ${emulator.url} (step ${env.EMULATOR_STEP_MS} ms, seed ${env.EMULATOR_SEED})`,
  );
  for (const [name, value] of Object.entries(emulator.clientEnv)) console.log(`${name}=${value}`);
  if (Object.keys(emulator.credentialEnv).length > 0) {
    console.log(
      "# for a provider SDK's own credential chain (Azure: Entra ID, with AZURE_OPENAI_API_KEY unset):",
    );
    for (const [name, value] of Object.entries(emulator.credentialEnv)) console.log(`${name}=${value}`);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`emulator: ${signal}, shutting down`);
    emulator.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
