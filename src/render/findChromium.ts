import { accessSync, constants, statSync } from 'node:fs';
import { basename } from 'node:path';

/** Which Chromium Herald drives, in which headless mode, and where the choice came from. */
export interface ChromiumChoice {
  path: string;
  /** `'shell'` for chromium-headless-shell (≈0.68× the render time of new headless). */
  headless: 'shell' | true;
  /** `CHROME_PATH`, `PUPPETEER_EXECUTABLE_PATH` or `system`. */
  source: string;
}

const INSTALL_HINT =
  'apt-get install -y chromium chromium-headless-shell fonts-liberation, or set CHROME_PATH to a Chromium or Chrome binary';

// Order matters: headless-shell first (faster, lighter). Never /usr/bin/chromium: on Debian it is a
// wrapper script that does not exec, so Puppeteer would hold the PID of a shell, not the browser.
const SYSTEM_CANDIDATES = [
  '/usr/lib/chromium/chromium-headless-shell',
  '/usr/lib/chromium/chromium',
  '/opt/google/chrome/chrome',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/usr/bin/chromium-browser',
];

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function choice(path: string, source: string): ChromiumChoice {
  return { path, headless: basename(path).includes('headless-shell') ? 'shell' : true, source };
}

/**
 * Finds the Chromium to launch: `CHROME_PATH`, else `PUPPETEER_EXECUTABLE_PATH`, else a system
 * Chromium or Chrome. An explicit variable that points nowhere is an error rather than a silent
 * fallback, so a typo never ends up printing with a different browser.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumChoice {
  for (const name of ['CHROME_PATH', 'PUPPETEER_EXECUTABLE_PATH'] as const) {
    const value = env[name]?.trim();
    if (!value) continue;
    if (!isExecutableFile(value)) {
      throw new Error(`${name}=${value} is not an executable file: ${INSTALL_HINT}`);
    }
    return choice(value, name);
  }
  for (const path of SYSTEM_CANDIDATES) {
    if (isExecutableFile(path)) return choice(path, 'system');
  }
  throw new Error(`No Chromium found: ${INSTALL_HINT}`);
}
