import { spawn } from 'node:child_process';

/** A word of a PDF page and its box, in points from the page's top left. */
export interface PdfWord { text: string; xMin: number; yMin: number; xMax: number; yMax: number }

export interface PdfPageLayout {
  /** Page size in points. */
  width: number;
  height: number;
  /** The words inside the page's body (between its top and bottom margins), in reading order. */
  words: PdfWord[];
  /** The body's words joined with single spaces. */
  text: string;
  /** How far down the body its last word reaches: 0 empty, 1 full to the bottom margin. */
  fill: number;
}

const PT_PER_MM = 72 / 25.4;

/**
 * Where the text of each page of a PDF lies (poppler's `pdftotext -bbox`, which `npm test`'s
 * set-up installs), to measure what the text alone cannot say: how full a page is. Words in the
 * top and bottom margins (Chromium's header and footer) are left out; `marginsMm` are the
 * brief's @page margins.
 */
export async function pdfLayout(pdf: Buffer | Uint8Array, marginsMm: { top: number; bottom: number } = { top: 14, bottom: 18 }): Promise<PdfPageLayout[]> {
  const xml = await run('pdftotext', ['-bbox', '-', '-'], Buffer.from(pdf));
  const pages: PdfPageLayout[] = [];
  for (const page of xml.matchAll(/<page width="([\d.]+)" height="([\d.]+)">([\s\S]*?)<\/page>/g)) {
    const width = Number(page[1]);
    const height = Number(page[2]);
    const top = marginsMm.top * PT_PER_MM;
    const bottom = height - marginsMm.bottom * PT_PER_MM;
    const words: PdfWord[] = [];
    for (const w of page[3].matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)) {
      const word = { text: decode(w[5]), xMin: Number(w[1]), yMin: Number(w[2]), xMax: Number(w[3]), yMax: Number(w[4]) };
      if (word.yMin >= top - 1 && word.yMax <= bottom + 1) words.push(word);
    }
    const lowest = words.reduce((y, w) => Math.max(y, w.yMax), top);
    pages.push({ width, height, words, text: words.map((w) => w.text).join(' '), fill: (lowest - top) / (bottom - top) });
  }
  return pages;
}

function decode(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function run(cmd: string, args: string[], input: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${cmd} exited ${code}: ${Buffer.concat(err).toString('utf8').trim()}`));
    });
    child.stdin.end(input);
  });
}
