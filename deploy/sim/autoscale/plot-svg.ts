/** One line of a panel: points (x in seconds) drawn as steps. */
export interface Series {
  readonly label: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
}

/** A panel: a y axis of its own, shared x axis. */
export interface Panel {
  readonly title: string;
  readonly series: readonly Series[];
}

const width = 900;
const panelHeight = 180;
const left = 60;
const right = 170;
const top = 40;
const gap = 40;

const xmlEscape = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/**
 * Stacked step charts over one time axis as a standalone SVG (opens in any browser): each
 * panel scaled to its own maximum, a legend on the right, `caption` under the title.
 */
export function plotSvg(
  title: string,
  caption: string,
  xLabel: string,
  panels: readonly Panel[],
): string {
  const allX = panels.flatMap((panel) => panel.series.flatMap((s) => s.points.map(([x]) => x)));
  const xMax = Math.max(1, ...allX);
  const plotWidth = width - left - right;
  const x = (value: number) => left + (value / xMax) * plotWidth;
  const height = top + panels.length * (panelHeight + gap) + 20;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<title>${xmlEscape(title)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="18" font-size="15" font-weight="bold">${xmlEscape(title)}</text>`,
    `<text x="${left}" y="32" fill="#555">${xmlEscape(caption)}</text>`,
  ];
  panels.forEach((panel, index) => {
    const y0 = top + index * (panelHeight + gap) + gap / 2;
    const yMax = Math.max(1, ...panel.series.flatMap((s) => s.points.map(([, v]) => v))) * 1.1;
    const y = (value: number) => y0 + panelHeight - (value / yMax) * panelHeight;
    parts.push(
      `<text x="${left}" y="${y0 - 6}" font-weight="bold">${xmlEscape(panel.title)}</text>`,
      `<rect x="${left}" y="${y0}" width="${plotWidth}" height="${panelHeight}" fill="none" stroke="#999"/>`,
      `<text x="${left - 6}" y="${y0 + 10}" text-anchor="end">${Math.round(yMax)}</text>`,
      `<text x="${left - 6}" y="${y0 + panelHeight}" text-anchor="end">0</text>`,
    );
    panel.series.forEach((series, n) => {
      const path = series.points
        .map(([px, py], i) => {
          const previous = series.points[i - 1];
          const step = previous ? `H${x(px).toFixed(1)} ` : "";
          return `${i === 0 ? "M" : `${step}V`}${i === 0 ? `${x(px).toFixed(1)},` : ""}${y(py).toFixed(1)}`;
        })
        .join(" ");
      parts.push(
        `<path d="${path}" fill="none" stroke="${series.color}" stroke-width="2"/>`,
        `<text x="${width - right + 10}" y="${y0 + 14 + n * 16}" fill="${series.color}">${xmlEscape(series.label)}</text>`,
      );
    });
  });
  const axisY = top + panels.length * (panelHeight + gap);
  for (let tick = 0; tick <= 5; tick++) {
    const value = (xMax * tick) / 5;
    parts.push(
      `<text x="${x(value)}" y="${axisY}" text-anchor="middle">${Math.round(value)}</text>`,
    );
  }
  parts.push(
    `<text x="${left + plotWidth / 2}" y="${axisY + 16}" text-anchor="middle">${xmlEscape(xLabel)}</text>`,
    "</svg>",
  );
  return `${parts.join("\n")}\n`;
}
