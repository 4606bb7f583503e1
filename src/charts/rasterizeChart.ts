/**
 * A chart's SVG as a small PNG, for the one place an SVG cannot go: an email body (mail clients
 * drop inline SVG, and many block data: URIs, so the email carries it as a CID attachment).
 *
 * Why resvg (@resvg/resvg-js, a Rust renderer shipped prebuilt in the npm registry) and not a
 * screenshot in the BrowserPool's Chromium: on this machine it draws the deliverability chart at
 * 1120 px in ~20 ms against ~75 ms for a page screenshot, and it takes no page from the pool that
 * prints the PDFs (a fan-out of briefs would queue email pictures behind PDFs). It draws with the
 * same Liberation Sans files that the charts' text metrics read, and it hands back the pixels,
 * which a screenshot does not (it is a 32-bit PNG only); the pixels are quantised here to a
 * palette of at most 256 colours (PNG-8): about a third of the 32-bit PNG's size.
 *
 * No I/O apart from looking for the font files once; rejects an SVG resvg cannot parse.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import { renderAsync } from '@resvg/resvg-js';

export interface RasterizeOptions {
  /** Width of the PNG in pixels; the height follows the SVG's aspect ratio. Default 1120 (2 × a 560 px column). */
  width?: number;
  /** Colours in the palette, 2–256. Default 256. */
  maxColors?: number;
}

export interface RasterizedChart {
  png: Buffer;
  width: number;
  height: number;
  /** Colours in the palette (≤ maxColors). */
  colors: number;
}

// Debian/Ubuntu (fonts-liberation), then Fedora and Alpine layouts: as src/charts/textMetrics.ts.
const FONT_DIRS = [
  '/usr/share/fonts/truetype/liberation',
  '/usr/share/fonts/liberation-sans',
  '/usr/share/fonts/liberation',
  '/usr/share/fonts/truetype/liberation2',
];
const FONT_FILES = ['LiberationSans-Regular.ttf', 'LiberationSans-Bold.ttf'];

let fontFiles: string[] | null = null;

/** The Liberation Sans files, found once; none found: resvg reads the system's fonts instead. */
function chartFonts(): string[] {
  if (fontFiles) return fontFiles;
  fontFiles = [];
  for (const dir of FONT_DIRS) {
    const files = FONT_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f));
    if (files.length > 0) {
      fontFiles = files;
      break;
    }
  }
  return fontFiles;
}

/**
 * Renders `svg` on white, `width` pixels wide, to a palette PNG. resvg draws on a libuv thread
 * (renderAsync): a worker's event loop only runs the quantisation (~10–30 ms).
 */
export async function rasterizeChart(svg: string, opts: RasterizeOptions = {}): Promise<RasterizedChart> {
  const width = opts.width ?? 1120;
  if (!Number.isInteger(width) || width < 1 || width > 4096) throw new RangeError(`rasterizeChart: width must be an integer 1–4096, got ${width}`);
  const maxColors = opts.maxColors ?? 256;
  if (!Number.isInteger(maxColors) || maxColors < 2 || maxColors > 256) throw new RangeError(`rasterizeChart: maxColors must be an integer 2–256, got ${maxColors}`);
  const files = chartFonts();
  const image = await renderAsync(svg, {
    fitTo: { mode: 'width', value: width },
    background: '#ffffff',
    font: { fontFiles: files, loadSystemFonts: files.length === 0, defaultFontFamily: 'Liberation Sans', sansSerifFamily: 'Liberation Sans' },
    shapeRendering: 2, // geometricPrecision: anti-aliased lines, as in the PDF
    textRendering: 1, // optimizeLegibility
    logLevel: 'off',
  });
  // On an opaque white background every pixel is opaque: premultiplied RGBA is plain RGB.
  const { palette, indices } = quantize(image.pixels, image.width * image.height, maxColors);
  return { png: encodePalettePng(image.width, image.height, palette, indices), width: image.width, height: image.height, colors: palette.length / 3 };
}

/**
 * Median cut over the image's distinct colours weighted by their pixel counts: the box with the
 * most pixels spread widest is split at its weighted median, until `maxColors` boxes; each box's
 * colour is its weighted mean. An image with few colours keeps them exactly.
 */
function quantize(rgba: Uint8Array | Buffer, pixels: number, maxColors: number): { palette: Uint8Array; indices: Uint8Array } {
  const counts = new Map<number, number>();
  for (let i = 0; i < pixels; i++) {
    const o = i * 4;
    const key = (rgba[o] << 16) | (rgba[o + 1] << 8) | rgba[o + 2];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const colors = [...counts.keys()];
  let paletteKeys: number[];
  let lookup: Map<number, number>;
  if (colors.length <= maxColors) {
    paletteKeys = colors;
    lookup = new Map(colors.map((c, i) => [c, i]));
  } else {
    const boxes = medianCut(colors, counts, maxColors);
    paletteKeys = boxes.map((box) => meanColor(box, counts));
    lookup = new Map();
    boxes.forEach((box, i) => box.forEach((c) => lookup.set(c, i)));
  }
  const palette = new Uint8Array(paletteKeys.length * 3);
  paletteKeys.forEach((c, i) => {
    palette[i * 3] = (c >> 16) & 255;
    palette[i * 3 + 1] = (c >> 8) & 255;
    palette[i * 3 + 2] = c & 255;
  });
  const indices = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const o = i * 4;
    indices[i] = lookup.get((rgba[o] << 16) | (rgba[o + 1] << 8) | rgba[o + 2])!;
  }
  return { palette, indices };
}

const channel = (c: number, ch: number) => (c >> (16 - ch * 8)) & 255;

function medianCut(colors: number[], counts: Map<number, number>, maxColors: number): number[][] {
  const boxes: number[][] = [colors];
  while (boxes.length < maxColors) {
    let best = -1;
    let bestScore = 0;
    let bestChannel = 0;
    boxes.forEach((box, i) => {
      if (box.length < 2) return;
      let weight = 0;
      const lo = [255, 255, 255];
      const hi = [0, 0, 0];
      for (const c of box) {
        weight += counts.get(c)!;
        for (let ch = 0; ch < 3; ch++) {
          const v = channel(c, ch);
          if (v < lo[ch]) lo[ch] = v;
          if (v > hi[ch]) hi[ch] = v;
        }
      }
      const ranges = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
      const widest = ranges.indexOf(Math.max(...ranges));
      // sqrt(weight): a large flat area (the white background) must not take every split.
      const score = ranges[widest] * Math.sqrt(weight);
      if (score > bestScore) {
        best = i;
        bestScore = score;
        bestChannel = widest;
      }
    });
    if (best === -1) break;
    const box = boxes[best].sort((a, b) => channel(a, bestChannel) - channel(b, bestChannel));
    const total = box.reduce((s, c) => s + counts.get(c)!, 0);
    let seen = 0;
    let cut = 1;
    for (; cut < box.length - 1; cut++) {
      seen += counts.get(box[cut - 1])!;
      if (seen >= total / 2) break;
    }
    boxes.splice(best, 1, box.slice(0, cut), box.slice(cut));
  }
  return boxes;
}

function meanColor(box: number[], counts: Map<number, number>): number {
  let r = 0, g = 0, b = 0, w = 0;
  for (const c of box) {
    const n = counts.get(c)!;
    r += channel(c, 0) * n;
    g += channel(c, 1) * n;
    b += channel(c, 2) * n;
    w += n;
  }
  return (Math.round(r / w) << 16) | (Math.round(g / w) << 8) | Math.round(b / w);
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG colour type 3 (palette), 8 bits per index, each row unfiltered (the usual choice for palette images). */
function encodePalettePng(width: number, height: number, palette: Uint8Array, indices: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // palette
  const rows = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) rows.set(indices.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('PLTE', palette),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
