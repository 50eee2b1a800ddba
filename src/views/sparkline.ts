// Sparklines: a series of numbers drawn as one line of block characters, scaled to a ceiling.
const BARS = '▁▂▃▄▅▆▇█';

/** The last `width` values as bars; `ceiling` is the value drawn as a full bar (default: the series maximum). */
export function sparkline(values: readonly number[], width: number, ceiling?: number): string {
  const shown = values.slice(-Math.max(0, width));
  const top = ceiling ?? Math.max(0, ...shown);
  if (!shown.length) return '';
  return shown
    .map((v) => {
      if (!(top > 0) || !(v > 0)) return BARS[0];
      return BARS[Math.min(BARS.length - 1, Math.round((v / top) * (BARS.length - 1)))];
    })
    .join('');
}
