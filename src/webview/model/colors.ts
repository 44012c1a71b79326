/**
 * One colour per run, with no cap on the number of runs: ten well-separated colours first (Tableau 10),
 * then hues spaced by the golden angle so that any later colour stays far from its neighbours.
 */
const FIRST_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function runColour(index: number): string {
  if (index < FIRST_COLOURS.length) return FIRST_COLOURS[index];
  const hue = Math.round((index * 137.508) % 360);
  const lightness = 45 + ((index * 7) % 3) * 10;
  return `hsl(${hue}, 65%, ${lightness}%)`;
}

/** The same colour with an alpha, for dimmed (unselected) runs. Accepts #rrggbb and hsl(). */
export function withAlpha(colour: string, alpha: number): string {
  if (colour.startsWith('#') && colour.length === 7) {
    const r = parseInt(colour.slice(1, 3), 16);
    const g = parseInt(colour.slice(3, 5), 16);
    const b = parseInt(colour.slice(5, 7), 16);
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  if (colour.startsWith('hsl(')) return colour.replace('hsl(', 'hsla(').replace(/\)$/, `, ${alpha})`);
  return colour;
}

/** Viridis at five stops: dark purple (low) to yellow (high), readable on light and dark themes and by colour-blind readers. */
const VIRIDIS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** The colour of a value at `t` of its range (0 lowest .. 1 highest), interpolated between the viridis stops. */
export function rampColour(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const [r, g, b] = VIRIDIS[i].map((c, k) => Math.round(c + f * (VIRIDIS[i + 1][k] - c)));
  return `rgb(${r}, ${g}, ${b})`;
}
