// opentype.js 2 ships no type declarations (and @types/opentype.js targets 1.x): declare the
// little that textMetrics.ts uses.
declare module 'opentype.js' {
  export interface Glyph {
    index: number;
    advanceWidth?: number;
  }
  export interface Font {
    unitsPerEm: number;
    glyphs: { get(index: number): Glyph; length: number };
    charToGlyphIndex(ch: string): number;
    charToGlyph(ch: string): Glyph;
    getKerningValue(left: Glyph | number, right: Glyph | number): number;
    getAdvanceWidth(text: string, fontSize?: number, options?: { kerning?: boolean }): number;
  }
  export function parse(buffer: ArrayBuffer): Font;
  const opentype: { parse: typeof parse };
  export default opentype;
}
