/**
 * True text widths for server-side Vega rendering.
 *
 * Without the `canvas` package vega guesses a label's width as 0.8 × chars × font size, which
 * is 40–65% too wide for Liberation Sans: labels get an ellipsis they do not need and layouts
 * reserve space for nothing. Instead of a native module we read the advance widths (and
 * kerning, which Chromium's HarfBuzz applies too) from the same TTFs Chromium draws the PDF
 * with, and install them as vega-scenegraph's user-defined `textMetrics.width(item, text)`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import opentype, { type Font, type Glyph } from 'opentype.js';

/** The one chart font; the PDF's CSS uses it too, so measured and drawn widths agree. */
export const CHART_FONT = 'Liberation Sans';

export interface TextMetricsInstall {
  /** `liberation-sans`: widths come from the TTFs; `estimate`: vega's 0.8 × chars × size. */
  source: 'liberation-sans' | 'estimate';
}

/** The subset of a vega text item that affects its width. */
interface TextItem {
  font?: string;
  fontSize?: number | string;
  fontWeight?: string | number;
  text?: unknown;
  limit?: number;
}

interface VegaTextMetrics {
  width: (item: TextItem, text?: unknown) => number;
  estimateWidth: (item: TextItem, text?: unknown) => number;
}

// vega-typings does not declare textMetrics, but vega re-exports vega-scenegraph's singleton.
const vegaTextMetrics = (vega as unknown as { textMetrics: VegaTextMetrics }).textMetrics;

// Debian/Ubuntu (fonts-liberation, what the project installs), then Fedora and Alpine layouts.
const FONT_DIRS = [
  '/usr/share/fonts/truetype/liberation',
  '/usr/share/fonts/liberation-sans',
  '/usr/share/fonts/liberation',
  '/usr/share/fonts/truetype/liberation2',
];

/** Advance widths of one face, cached per code point and per kerning pair, in em. */
class FaceMetrics {
  private readonly advance = new Map<number, number>();
  private readonly kern = new Map<string, number>();
  private readonly unitsPerEm: number;

  constructor(private readonly font: Font) {
    this.unitsPerEm = font.unitsPerEm;
  }

  /** Width in px of `text` at `size` px; single line, no trimming. */
  width(text: string, size: number): number {
    let em = 0;
    let prev: Glyph | null = null;
    let prevCp = -1;
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      const glyphIndex = this.font.charToGlyphIndex(ch);
      if (glyphIndex === 0) {
        // Not in Liberation Sans: Chromium falls back to another font. CJK and emoji are about
        // 1 em wide there; anything else is taken as an average Latin letter.
        em += cp >= 0x2e80 ? 1 : 0.6;
        prev = null;
        continue;
      }
      let adv = this.advance.get(cp);
      const glyph = this.font.glyphs.get(glyphIndex);
      if (adv === undefined) {
        adv = (glyph.advanceWidth ?? 0) / this.unitsPerEm;
        this.advance.set(cp, adv);
      }
      em += adv;
      if (prev) {
        const key = `${prevCp},${cp}`;
        let k = this.kern.get(key);
        if (k === undefined) {
          k = this.font.getKerningValue(prev, glyph) / this.unitsPerEm;
          this.kern.set(key, k);
        }
        em += k;
      }
      prev = glyph;
      prevCp = cp;
    }
    return em * size;
  }
}

let regular: FaceMetrics | null = null;
let bold: FaceMetrics | null = null;
let installed: TextMetricsInstall | null = null;

function loadFace(path: string): FaceMetrics {
  const buf = readFileSync(path);
  // opentype.parse wants an ArrayBuffer of exactly the file, not Node's pooled buffer.
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  return new FaceMetrics(opentype.parse(ab));
}

function findFontDir(): string | null {
  const dirs = process.env.HERALD_FONT_DIR ? [process.env.HERALD_FONT_DIR] : FONT_DIRS;
  for (const dir of dirs) {
    if (existsSync(join(dir, 'LiberationSans-Regular.ttf')) && existsSync(join(dir, 'LiberationSans-Bold.ttf'))) {
      return dir;
    }
  }
  return null;
}

function isBold(weight: string | number | undefined): boolean {
  if (weight == null) return false;
  if (weight === 'bold' || weight === 'bolder') return true;
  const n = Number(weight);
  return Number.isFinite(n) && n >= 600;
}

/** vega's font size default is 11 px when an item has none. */
function itemFontSize(item: TextItem): number {
  return item.fontSize != null ? Number(item.fontSize) || 0 : 11;
}

function vegaWidth(item: TextItem, text?: unknown): number {
  const size = itemFontSize(item);
  // vega trims before drawing, so measure what it draws.
  const s = text == null ? '' : String(text).trim();
  if (size <= 0 || s === '') return 0;
  const face = isBold(item.fontWeight) ? bold! : regular!;
  const w = face.width(s, size);
  // vega calls this both for bounds (full text, which it then truncates to `limit`) and for its
  // truncation search (candidate prefixes compared with `< limit`). Capping at the limit gives
  // the drawn width for bounds and leaves every `< limit` comparison unchanged.
  const limit = Number(item.limit);
  return limit > 0 && w > limit ? limit : w;
}

/**
 * Installs Liberation Sans metrics as vega's text width function. Idempotent: the first call
 * decides. When the fonts are missing (set HERALD_FONT_DIR to look elsewhere) vega's estimate
 * stays in place and the result says so.
 */
export function installTextMetrics(): TextMetricsInstall {
  if (installed) return installed;
  const dir = findFontDir();
  if (!dir) {
    installed = { source: 'estimate' };
    return installed;
  }
  try {
    regular = loadFace(join(dir, 'LiberationSans-Regular.ttf'));
    bold = loadFace(join(dir, 'LiberationSans-Bold.ttf'));
  } catch {
    // An unreadable or corrupt font is no reason to fail a brief: fall back to the estimate.
    regular = bold = null;
    installed = { source: 'estimate' };
    return installed;
  }
  vegaTextMetrics.width = vegaWidth;
  installed = { source: 'liberation-sans' };
  return installed;
}

/**
 * Width in px of one line of `text` in Liberation Sans at `fontSize` px, as the charts measure
 * it; vega's estimate when the fonts are missing.
 */
export function measureText(text: string, fontSize: number, bold = false): number {
  const { source } = installTextMetrics();
  const item: TextItem = { font: CHART_FONT, fontSize, fontWeight: bold ? 'bold' : 'normal' };
  return source === 'liberation-sans' ? vegaWidth(item, text) : vegaTextMetrics.estimateWidth(item, text);
}
