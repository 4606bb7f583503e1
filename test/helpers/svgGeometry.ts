import { measureText } from '../../src/charts/textMetrics.js';

/**
 * Where things are drawn in a chart SVG as vega writes it: nested `<g transform="translate(…)">`
 * groups, marks in `<g class="mark-<type> role-<role> …">` containers, texts and symbols placed by
 * their own translate, lines as `M…L…` paths, rects as `Mx,yh…v…h…Z` paths. Coordinates are
 * absolute (in the SVG's viewBox); enough to test that labels stay clear of data.
 */
export interface SvgText { text: string; x: number; y: number; anchor: 'start' | 'middle' | 'end'; fontSize: number; bold: boolean; fill: string | null; mark: string }
export interface SvgSymbol { x: number; y: number; radius: number; mark: string }
export interface SvgPolyline { points: [number, number][]; stroke: string | null; mark: string }
export interface SvgRect { x: number; y: number; width: number; height: number; fill: string | null; opacity: number; mark: string }
export interface SvgGeometry { texts: SvgText[]; symbols: SvgSymbol[]; lines: SvgPolyline[]; rects: SvgRect[] }
export interface Box { left: number; right: number; top: number; bottom: number }

const TAG = /<(\/?)([a-zA-Z]+)\b([^>]*?)(\/?)>([^<]*)/g;

function attr(attrs: string, name: string): string | null {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(attrs);
  return m ? m[1] : null;
}

function translate(attrs: string): [number, number] {
  const m = /transform="translate\(([-\d.e]+),([-\d.e]+)\)"/.exec(attrs);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

function decode(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, '&');
}

export function svgGeometry(svg: string): SvgGeometry {
  const out: SvgGeometry = { texts: [], symbols: [], lines: [], rects: [] };
  // One frame per open <g>: its absolute offset and the mark container it is (or is inside).
  const stack: { x: number; y: number; mark: string }[] = [{ x: 0, y: 0, mark: '' }];
  for (const m of svg.matchAll(TAG)) {
    const [, closing, tag, attrs, selfClosing, content] = m;
    const top = stack[stack.length - 1];
    if (tag === 'g') {
      if (closing) stack.pop();
      else {
        const [dx, dy] = translate(attrs);
        const cls = attr(attrs, 'class') ?? '';
        const mark = /^mark-[a-z]+ role-/.test(cls) ? cls : top.mark;
        stack.push({ x: top.x + dx, y: top.y + dy, mark });
      }
      continue;
    }
    if (closing || stack.length === 0) continue;
    const [dx, dy] = translate(attrs);
    const x = top.x + dx, y = top.y + dy;
    if (tag === 'text') {
      const anchor = (attr(attrs, 'text-anchor') ?? 'start') as SvgText['anchor'];
      const fontSize = parseFloat(attr(attrs, 'font-size') ?? '11');
      const weight = attr(attrs, 'font-weight');
      out.texts.push({ text: decode(content), x, y, anchor, fontSize, bold: weight === 'bold' || Number(weight) >= 600, fill: attr(attrs, 'fill'), mark: top.mark });
    } else if (tag === 'path') {
      const d = attr(attrs, 'd') ?? '';
      if (top.mark.startsWith('mark-symbol')) {
        out.symbols.push({ x, y, radius: Math.abs(parseFloat(/^M([-\d.e]+)/.exec(d)?.[1] ?? '0')), mark: top.mark });
      } else if (top.mark.startsWith('mark-line')) {
        const points = [...d.matchAll(/[ML]([-\d.e]+),([-\d.e]+)/g)].map((p): [number, number] => [x + Number(p[1]), y + Number(p[2])]);
        if (points.length > 0) out.lines.push({ points, stroke: attr(attrs, 'stroke'), mark: top.mark });
      } else if (top.mark.startsWith('mark-rect')) {
        const r = /^M([-\d.e]+),([-\d.e]+)h([-\d.e]+)v([-\d.e]+)h/.exec(d);
        if (r) {
          const x0 = x + Number(r[1]), y0 = y + Number(r[2]), w = Number(r[3]), h = Number(r[4]);
          out.rects.push({ x: Math.min(x0, x0 + w), y: Math.min(y0, y0 + h), width: Math.abs(w), height: Math.abs(h), fill: attr(attrs, 'fill'), opacity: Number(attr(attrs, 'opacity') ?? 1), mark: top.mark });
        }
      }
    }
    void selfClosing;
  }
  return out;
}

/** The box a text covers: its measured width from the anchor, Liberation Sans' ascent and descent around the baseline. */
export function textBox(t: SvgText): Box {
  const width = measureText(t.text, t.fontSize, t.bold);
  const left = t.anchor === 'start' ? t.x : t.anchor === 'end' ? t.x - width : t.x - width / 2;
  return { left, right: left + width, top: t.y - 0.91 * t.fontSize, bottom: t.y + 0.22 * t.fontSize };
}

/** Whether the segment a–b passes through the box (grown by `margin` on every side). */
export function segmentHitsBox(a: [number, number], b: [number, number], box: Box, margin = 0): boolean {
  const l = box.left - margin, r = box.right + margin, t = box.top - margin, btm = box.bottom + margin;
  // Liang–Barsky clipping of the segment against the box.
  let t0 = 0, t1 = 1;
  const dx = b[0] - a[0], dy = b[1] - a[1];
  for (const [p, q] of [[-dx, a[0] - l], [dx, r - a[0]], [-dy, a[1] - t], [dy, btm - a[1]]] as const) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const u = q / p;
      if (p < 0) t0 = Math.max(t0, u);
      else t1 = Math.min(t1, u);
      if (t0 > t1) return false;
    }
  }
  return true;
}
