import { ApiError, createClient, ok, type Schema } from "../shared/api.ts";

/**
 * The portal's credential. A magic link carries a participant token in the
 * fragment (`/portal#token=…`); it is exchanged at once for a short-lived
 * session and wiped from the address bar and history, so only the session,
 * kept in this tab's sessionStorage, stays in the browser.
 */
export type PortalSession = Schema<"PortalSession">;

const KEY = "laurel.portal.session";

export type SessionProblem = "bad_link" | "no_link" | "expired" | "unreachable";

export function storedSession(): PortalSession | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as PortalSession;
    return Date.parse(session.expiresAt) > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export function forgetSession(): void {
  sessionStorage.removeItem(KEY);
}

/** The token in the link, removed from the URL before anything else happens. */
function takeLinkToken(): string | null {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get("token");
  if (token === null) return null;
  fragment.delete("token");
  const rest = fragment.toString();
  window.history.replaceState(
    window.history.state,
    "",
    `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ""}`,
  );
  return token;
}

let starting: Promise<PortalSession | SessionProblem> | null = null;
/** Kept in memory only, so a retry after a network failure can still use the link. */
let linkToken: string | null | undefined;

/**
 * The session to use: from a link in the URL, or the one this tab already
 * holds. Runs once per page load, since a token is gone from the URL after.
 */
export function startSession(): Promise<PortalSession | SessionProblem> {
  starting ??= (async () => {
    linkToken ??= takeLinkToken();
    const token = linkToken;
    if (token === null) return storedSession() ?? "no_link";
    try {
      const session = await ok(createClient(() => token).POST("/v1/sessions"));
      sessionStorage.setItem(KEY, JSON.stringify(session));
      linkToken = null;
      return session;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403))
        return "bad_link";
      return "unreachable";
    }
  })();
  return starting;
}

/** Lets a retry after a network failure try the exchange again. */
export function resetStart(): void {
  starting = null;
}
