import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from "react";

/**
 * A router small enough to read: the console lives under /admin, the server
 * answers index.html for every path below it, and pushState keeps the back
 * button working.
 */
export const BASE = "/admin";

const listeners = new Set<() => void>();

export function navigate(path: string): void {
  window.history.pushState(null, "", `${BASE}${path}`);
  for (const listener of listeners) listener();
}

/** The path below /admin, such as `/goals/new` (always starting with `/`). */
export function usePath(): string {
  const read = () => window.location.pathname.slice(BASE.length) || "/";
  const [path, setPath] = useState(read);
  useEffect(() => {
    const update = () => setPath(read());
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return path;
}

/** A real link (so it opens in a new tab, and reads as a link) that navigates in place. */
export function Link({
  to,
  onClick,
  ...rest
}: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  return (
    <a
      {...rest}
      href={`${BASE}${to}`}
      onClick={(event: MouseEvent<HTMLAnchorElement>) => {
        onClick?.(event);
        if (event.defaultPrevented || event.metaKey || event.ctrlKey || event.shiftKey) return;
        if (event.button !== 0) return;
        event.preventDefault();
        navigate(to);
      }}
    />
  );
}
