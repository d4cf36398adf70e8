import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import packagedChromium from '@sparticuz/chromium';
import { type Browser, chromium } from 'playwright-core';

/**
 * Flags for a headless Chromium on a machine with no network but loopback: without the background-networking ones,
 * Chromium keeps trying to reach Google's hosts at start and while it runs.
 */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Where @sparticuz/chromium unpacks its binary, and where it looks first on later calls. */
const UNPACKED = join(tmpdir(), 'chromium');

interface BrowserBinary {
  path: string;
  source: 'CHROMIUM_PATH' | '@sparticuz/chromium';
}

/**
 * The Chromium the browser tests drive, with no install step of its own: `CHROMIUM_PATH` when set (a system
 * Chromium or Chrome), otherwise the headless Chromium that the `@sparticuz/chromium` npm package carries inside its
 * tarball (Linux x64), unpacked to the temp directory on first use. `playwright-core` cannot download a browser on
 * a machine without internet, and a system package would be a step only CI knows.
 */
async function browserBinary(): Promise<BrowserBinary> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return { path: configured, source: 'CHROMIUM_PATH' };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `@sparticuz/chromium ships a Linux x64 Chromium only; on ${process.platform}-${process.arch} set CHROMIUM_PATH to a Chromium or Chrome executable`,
    );
  }
  return { path: await packagedChromium.executablePath(), source: '@sparticuz/chromium' };
}

export async function launchChromium(): Promise<Browser> {
  const binary = await browserBinary();
  try {
    return await chromium.launch({ executablePath: binary.path, args: FLAGS });
  } catch (error) {
    if (binary.source !== '@sparticuz/chromium' || !existsSync(UNPACKED)) throw error;
    // The package reuses whatever is at its unpack path: a copy cut short by a killed run never starts. Unpack it
    // again once before giving up.
    rmSync(UNPACKED, { force: true });
    const fresh = await packagedChromium.executablePath();
    return chromium.launch({ executablePath: fresh, args: FLAGS });
  }
}
