/**
 * A chart as a PNG that stands on its own: title, the uPlot canvas (plot, axes, ticks), and a legend of
 * the visible series, on the theme's background (a bare canvas is transparent and has no legend).
 */
import type { Theme } from './theme';

export interface LegendEntry {
  label: string;
  colour: string;
  dashed: boolean;
}

export function chartToPngDataUrl(chartCanvas: HTMLCanvasElement, title: string, legend: LegendEntry[], theme: Theme): string {
  const ratio = chartCanvas.width / Math.max(1, chartCanvas.clientWidth || chartCanvas.width);
  const pad = 8 * ratio;
  const line = 16 * ratio;
  const out = document.createElement('canvas');
  const ctx = out.getContext('2d');
  if (!ctx) throw new Error('This webview cannot create a 2D canvas, so the chart cannot be exported as PNG.');
  ctx.font = `${12 * ratio}px sans-serif`;
  // Lay the legend out in rows first, to know the image height.
  const rows: { entry: LegendEntry; x: number; row: number }[] = [];
  let x = pad;
  let row = 0;
  for (const entry of legend) {
    const width = 24 * ratio + ctx.measureText(entry.label).width + 12 * ratio;
    if (x + width > chartCanvas.width && x > pad) {
      row++;
      x = pad;
    }
    rows.push({ entry, x, row });
    x += width;
  }
  const legendHeight = legend.length ? (row + 1) * line + pad : 0;
  out.width = chartCanvas.width;
  out.height = line + pad * 2 + chartCanvas.height + legendHeight;
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = theme.foreground;
  ctx.font = `bold ${13 * ratio}px sans-serif`;
  ctx.textBaseline = 'middle';
  ctx.fillText(title, pad, pad + line / 2);
  ctx.drawImage(chartCanvas, 0, line + pad * 2);
  ctx.font = `${12 * ratio}px sans-serif`;
  const top = line + pad * 2 + chartCanvas.height;
  for (const { entry, x: left, row: r } of rows) {
    const y = top + r * line + line / 2;
    ctx.strokeStyle = entry.colour;
    ctx.lineWidth = 2 * ratio;
    ctx.setLineDash(entry.dashed ? [4 * ratio, 3 * ratio] : []);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + 18 * ratio, y);
    ctx.stroke();
    ctx.fillStyle = theme.foreground;
    ctx.fillText(entry.label, left + 24 * ratio, y);
  }
  return out.toDataURL('image/png');
}
