/** Where and how to reach the SMTP server, from `smtp://user:pass@host:port` (`smtps://` for TLS). */
export interface SmtpServer {
  host: string;
  port: number;
  /** TLS from the first byte (smtps://, port 465 by default); smtp:// upgrades with STARTTLS when offered. */
  secure: boolean;
  auth: { user: string; pass: string } | null;
}

/**
 * Reads LAUREL_SMTP_URL. The messages never repeat the URL, which holds the
 * password, so a startup error cannot leak it into a log.
 */
export function parseSmtpUrl(
  text: string,
): ({ ok: true } & SmtpServer) | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: "must be a URL such as smtp://user:pass@host:587" };
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:")
    return { ok: false, message: "must start with smtp:// (or smtps:// for TLS)" };
  if (url.hostname === "") return { ok: false, message: "names no host" };
  const secure = url.protocol === "smtps:";
  const user = decodeURIComponent(url.username);
  return {
    ok: true,
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port === "" ? (secure ? 465 : 587) : Number(url.port),
    secure,
    auth: user === "" ? null : { user, pass: decodeURIComponent(url.password) },
  };
}
