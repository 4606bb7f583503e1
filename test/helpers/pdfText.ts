import { PDFParse } from 'pdf-parse';

/**
 * Reads a PDF's text back (PDFs are not byte-stable, so tests assert on text). Whitespace runs
 * collapse to one space; pages join with a single space (pdf-parse's own joiner inserts
 * "-- 1 of 3 --" markers that would pollute asserts).
 */
export async function pdfText(pdf: Buffer | Uint8Array): Promise<{ text: string; pages: number; pageTexts: string[] }> {
  // Copy: pdf.js may transfer (detach) the ArrayBuffer it is given, which would empty the
  // caller's Buffer.
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    const result = await parser.getText();
    const pageTexts = result.pages.map((p) => collapse(p.text));
    return { text: pageTexts.join(' ').trim(), pages: result.total, pageTexts };
  } finally {
    await parser.destroy();
  }
}

function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
