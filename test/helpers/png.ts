/**
 * A tiny PNG reader for tests: checks the signature and every chunk's CRC, reads IHDR and
 * decodes the pixels (8-bit palette, grey, RGB or RGBA, no interlace: what Herald writes and
 * Chromium screenshots are), so a test can tell a picture from a blank one.
 */
import { crc32, inflateSync } from 'node:zlib';

export interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** PLTE entries (colour type 3). */
  paletteSize: number;
  /** Every pixel as 0xRRGGBB (alpha dropped). */
  pixels: Uint32Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(bytes: Buffer): boolean {
  return bytes.length > 8 && bytes.subarray(0, 8).equals(SIGNATURE);
}

export function decodePng(bytes: Buffer): DecodedPng {
  if (!isPng(bytes)) throw new Error('not a PNG: bad signature');
  let at = 8;
  let ihdr: Buffer | null = null;
  let palette: Buffer | null = null;
  const idat: Buffer[] = [];
  for (;;) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    const crc = bytes.readUInt32BE(at + 8 + length);
    if ((crc32(bytes.subarray(at + 4, at + 8 + length)) >>> 0) !== crc) throw new Error(`PNG chunk ${type}: bad CRC`);
    if (type === 'IHDR') ihdr = data;
    else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    at += 12 + length;
    if (type === 'IEND') break;
  }
  if (!ihdr) throw new Error('PNG without IHDR');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const bitDepth = ihdr[8];
  const colorType = ihdr[9];
  if (bitDepth !== 8 || ihdr[12] !== 0) throw new Error(`PNG reader: only 8-bit, non-interlaced images (bit depth ${bitDepth})`);
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (!channels) throw new Error(`PNG reader: colour type ${colorType}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`PNG reader: filter ${filter}`);
      out[y * stride + x] = v & 255;
    }
  }
  const pixels = new Uint32Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    const o = i * channels;
    if (colorType === 3) {
      const e = out[o] * 3;
      if (!palette || e + 2 >= palette.length) throw new Error('PNG: palette index out of range');
      pixels[i] = (palette[e] << 16) | (palette[e + 1] << 8) | palette[e + 2];
    } else if (colorType === 0 || colorType === 4) {
      pixels[i] = (out[o] << 16) | (out[o] << 8) | out[o];
    } else {
      pixels[i] = (out[o] << 16) | (out[o + 1] << 8) | out[o + 2];
    }
  }
  return { width, height, bitDepth, colorType, paletteSize: palette ? palette.length / 3 : 0, pixels };
}

/** Distinct colours in a decoded image. */
export function distinctColors(png: DecodedPng): number {
  return new Set(png.pixels).size;
}

/** Share of pixels of exactly this colour (0xffffff: white). */
export function shareOf(png: DecodedPng, color: number): number {
  let n = 0;
  for (const p of png.pixels) if (p === color) n++;
  return n / png.pixels.length;
}
