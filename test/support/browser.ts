import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); Playwright's own browser download cannot work on these machines. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where browser tests leave their screenshots: git-ignored, kept by CI as an artifact. */
export const SCREENSHOTS = fileURLToPath(new URL('../output/console/', import.meta.url));

// Without the background-networking flags Chromium keeps dialling Google's hosts, which a closed network refuses.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Headless Chromium with a fresh profile; fails, never skips, when Chromium is not installed. */
export const launchChromium = async (): Promise<Browser> => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the console's browser tests need it. Install it with ` +
        '`apt-get update && apt-get install -y chromium` (.ci/run does), or point CHROMIUM_PATH at one.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
};

/** Every console error and uncaught exception of a page, to assert there are none. */
export const collectErrors = (page: Page): string[] => {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
};

export const screenshot = async (page: Page, name: string): Promise<void> => {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
};
