export interface EmulatorStats {
  batches: number;
  requests: number;
  bytes: number;
}

/**
 * What the emulated `provider` has received so far (`GET /_emulator/stats`, keyed by provider; Vertex's count
 * includes the request files uploaded to its GCS). The emulator's own endpoint, not Tranche's API. Throws when the
 * emulator keeps no count for it, rather than reporting zeros.
 */
export async function emulatorStats(emulatorUrl: string, provider: string): Promise<EmulatorStats> {
  const response = await fetch(`${emulatorUrl}/_emulator/stats`);
  if (!response.ok)
    throw new Error(`the emulator's stats: HTTP ${response.status}: ${await response.text()}`);
  const stats = (await response.json()) as Record<string, EmulatorStats>;
  const counted = stats[provider];
  if (!counted) {
    throw new Error(`the emulator keeps no stats for ${provider} (it has: ${Object.keys(stats).join(', ')})`);
  }
  return counted;
}
