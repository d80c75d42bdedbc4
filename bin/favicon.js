// Laurel's mark, an emerald rounded square with a white L, drawn on a 32-unit
// grid: as SVG (favicon.svg, for browsers that take one) and as a 32x32 PNG
// inside an ICO (favicon.ico, which browsers and bookmark tools ask for
// whatever the page says). Both come from the same shapes, so they match.
import { crc32, deflateSync } from "node:zlib";

const SIZE = 32;
const RADIUS = 7;
const EMERALD = [4, 120, 87]; // Tailwind's emerald-700, the console's accent.
/** The L: a stem and a foot, as [x, y, width, height]. */
const BARS = [
  [10, 7, 5, 18],
  [10, 20, 13, 5],
];

export const faviconSvg =
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${SIZE} ${SIZE}">` +
  `<rect width="${SIZE}" height="${SIZE}" rx="${RADIUS}" fill="rgb(${EMERALD.join(",")})"/>` +
  BARS.map(
    ([x, y, w, h]) => `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="#fff"/>`,
  ).join("") +
  `</svg>\n`;

/** Whether a point of the grid lies inside the rounded square. */
function inSquare(x, y) {
  const cx = Math.min(Math.max(x, RADIUS), SIZE - RADIUS);
  const cy = Math.min(Math.max(y, RADIUS), SIZE - RADIUS);
  return (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS ** 2;
}

const inBar = (x, y) =>
  BARS.some(([bx, by, w, h]) => x >= bx && x < bx + w && y >= by && y < by + h);

/** RGBA pixels, each sampled 4x4 times so the corners are smooth. */
function pixels() {
  const samples = 4;
  const rgba = Buffer.alloc(SIZE * SIZE * 4);
  for (let py = 0; py < SIZE; py++)
    for (let px = 0; px < SIZE; px++) {
      let cover = 0;
      let white = 0;
      for (let sy = 0; sy < samples; sy++)
        for (let sx = 0; sx < samples; sx++) {
          const x = px + (sx + 0.5) / samples;
          const y = py + (sy + 0.5) / samples;
          if (!inSquare(x, y)) continue;
          cover++;
          if (inBar(x, y)) white++;
        }
      const i = (py * SIZE + px) * 4;
      const share = cover === 0 ? 0 : white / cover;
      for (let c = 0; c < 3; c++)
        rgba[i + c] = Math.round((EMERALD[c] ?? 0) * (1 - share) + 255 * share);
      rgba[i + 3] = Math.round((255 * cover) / samples ** 2);
    }
  return rgba;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

function png() {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  const rgba = pixels();
  // Each row starts with its filter type, 0 (none).
  const rows = Buffer.alloc(SIZE * (SIZE * 4 + 1));
  for (let y = 0; y < SIZE; y++)
    rgba.copy(rows, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** An ICO holding one 32x32 PNG image, which every current browser reads. */
export function faviconIco() {
  const image = png();
  const header = Buffer.alloc(6 + 16);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // an icon
  header.writeUInt16LE(1, 4); // one image
  header[6] = SIZE;
  header[7] = SIZE;
  header.writeUInt16LE(1, 10); // colour planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(image.length, 14);
  header.writeUInt32LE(header.length, 18); // where the image starts
  return Buffer.concat([header, image]);
}
