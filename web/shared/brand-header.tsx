import { useEffect } from "react";
import { textOn } from "./contrast.ts";

/**
 * A program's own name, logo and colour at the top of a page Laurel serves
 * for it (the portal, the apply page), and the page's title in the tab.
 */
export function BrandHeader({
  heading,
  title,
  branding,
  className = "",
}: {
  heading: string;
  title: string;
  branding: { logoUrl?: string | null; color?: string | null };
  className?: string;
}) {
  const { logoUrl, color } = branding;
  useEffect(() => {
    document.title = title;
  }, [title]);
  return (
    <header
      className={`flex items-center gap-3 rounded-lg px-4 py-3 ${className}`}
      data-brand-color={color ?? ""}
      style={
        color
          ? { backgroundColor: color, color: textOn(color) }
          : { backgroundColor: "#1e293b", color: "#ffffff" }
      }
    >
      {logoUrl && (
        // The name beside it says what the logo does: it is decoration for screen readers.
        <img
          src={logoUrl}
          alt=""
          // A logo that does not load is left out rather than shown broken.
          onError={(e) => {
            e.currentTarget.hidden = true;
          }}
          className="h-10 w-auto max-w-32 shrink-0 rounded bg-white object-contain p-1"
        />
      )}
      <h1 className="min-w-0 text-2xl font-semibold break-words">{heading}</h1>
    </header>
  );
}
