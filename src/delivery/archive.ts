import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Path components come from data (tenant ids, period labels): keep them plain. */
function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}

/**
 * Stores a rendered PDF under `archiveDir/<scope>/<report>/<period>/<sha256>.pdf`, written once
 * (atomically, via a temporary file) and never overwritten: a resend reads the same bytes.
 */
export async function archivePdf(archiveDir: string, a: { scope: string; report: string; period: string; pdf: Buffer }): Promise<{ path: string; sha256: string }> {
  const digest = sha256(a.pdf);
  const dir = path.resolve(archiveDir, safe(a.scope), safe(a.report), safe(a.period));
  const file = path.join(dir, `${digest}.pdf`);
  await mkdir(dir, { recursive: true });
  const exists = await stat(file).then(() => true, () => false);
  if (!exists) {
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, a.pdf);
    await rename(tmp, file);
  }
  return { path: file, sha256: digest };
}

/** Reads an archived PDF and proves it is the artifact the run recorded. */
export async function readArchivedPdf(file: string, expectedSha256: string): Promise<Buffer> {
  const bytes = await readFile(file);
  const actual = sha256(bytes);
  if (actual !== expectedSha256) throw new Error(`archived PDF ${path.basename(file)} does not match its recorded SHA-256`);
  return bytes;
}
