/**
 * A brand colour is whatever the brand chose, so text drawn on it is black or
 * white, whichever contrasts more: one of the two always reaches 4.5:1.
 */
export function textOn(hex: string): "#000000" | "#ffffff" {
  const l = luminance(hex);
  // Contrast with white is 1.05 / (l + 0.05), with black (l + 0.05) / 0.05.
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000000" : "#ffffff";
}

/** Whether a colour can stand as-is (as text, a line or a border) on white: at least 3:1. */
export function showsOnWhite(hex: string): boolean {
  return 1.05 / (luminance(hex) + 0.05) >= 3;
}

/** WCAG relative luminance of #RRGGBB. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}
