// A real SMTP server on loopback for the mail tests: it keeps what it is sent,
// parsed just enough to read each part, and can refuse mail on demand.
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll } from "vitest";
import type { MailSetting } from "../../src/engine/services.ts";
import { createMailer, type Mailer } from "../../src/mail/send.ts";

export interface ReceivedMail {
  /** RCPT TO addresses. */
  to: string[];
  /** The user the sender logged in as, if it did. */
  user: string | undefined;
  headers: Record<string, string>;
  /** Decoded bodies by content type: text/plain and text/html. */
  parts: Record<string, string>;
}

export interface SmtpInbox {
  readonly port: number;
  readonly received: ReceivedMail[];
  /** The setting that sends mail here, logging in as laurel. */
  readonly setting: MailSetting;
  /** Refuses the next `count` messages with a temporary 451. */
  refuse(count: number): void;
  close(): Promise<void>;
}

export const SMTP_USER = "laurel";
export const SMTP_PASSWORD = "s3cret/pass";

export async function startSmtpInbox(): Promise<SmtpInbox> {
  const received: ReceivedMail[] = [];
  let refusals = 0;
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    // Loopback without TLS: a self-signed STARTTLS certificate would fail the client's checks.
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD)
        callback(null, { user: auth.username });
      else callback(new Error("bad credentials"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (refusals > 0) {
          refusals -= 1;
          callback(
            Object.assign(new Error("mailbox busy, try again later"), { responseCode: 451 }),
          );
          return;
        }
        received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === "string" ? session.user : undefined,
          ...parseMessage(Buffer.concat(chunks).toString("utf8")),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    setting: {
      smtpUrl: `smtp://${SMTP_USER}:${encodeURIComponent(SMTP_PASSWORD)}@127.0.0.1:${port}`,
      from: "Laurel <rewards@brand.test>",
    },
    refuse: (count) => {
      refusals = count;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Headers (unfolded, lower-case names) and the decoded text and HTML parts of a MIME message. */
export function parseMessage(raw: string): Pick<ReceivedMail, "headers" | "parts"> {
  const { headers, body } = splitHeaders(raw);
  const parts: Record<string, string> = {};
  collectParts(headers, body, parts);
  return { headers, parts };
}

function splitHeaders(raw: string): { headers: Record<string, string>; body: string } {
  const end = raw.search(/\r?\n\r?\n/);
  const head = end < 0 ? raw : raw.slice(0, end);
  const body = end < 0 ? "" : raw.slice(end).replace(/^\r?\n\r?\n/, "");
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function collectParts(
  headers: Record<string, string>,
  body: string,
  into: Record<string, string>,
): void {
  const type = headers["content-type"] ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith("multipart/") && boundary) {
    const pieces = body.split(`--${boundary}`).slice(1);
    for (const piece of pieces) {
      if (piece.startsWith("--")) break;
      const part = splitHeaders(piece.replace(/^\r?\n/, ""));
      collectParts(part.headers, part.body, into);
    }
    return;
  }
  const mediaType = type.split(";")[0]?.trim().toLowerCase() ?? "text/plain";
  into[mediaType] = decode(body, headers["content-transfer-encoding"] ?? "7bit");
}

function decode(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case "base64":
      return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    case "quoted-printable":
      return Buffer.from(
        body
          .replace(/=\r?\n/g, "")
          .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        "latin1",
      ).toString("utf8");
    default:
      return body;
  }
}

/** The portal link in a mail's text part. */
export function linkIn(mail: ReceivedMail): string {
  const link = /https?:\/\/\S+\/portal#token=\S+/.exec(mail.parts["text/plain"] ?? "")?.[0];
  if (!link) throw new Error("the mail has no portal link");
  return link;
}

/** The token a portal link carries in its fragment. */
export const tokenOf = (link: string): string =>
  decodeURIComponent(new URL(link).hash.replace(/^#token=/, ""));

/**
 * A suite's SMTP server and a mailer sending to it, started before the app
 * opens (so `options.mail`, when given, names this server in its services)
 * and closed after the suite. Call it before `useApi(backend, options)`.
 */
export function useSmtpInbox(options?: {
  mail?: MailSetting;
}): () => { inbox: SmtpInbox; mailer: Mailer } {
  let inbox: SmtpInbox | undefined;
  let mailer: Mailer | undefined;
  beforeAll(async () => {
    inbox = await startSmtpInbox();
    if (options) options.mail = inbox.setting;
    mailer = createMailer(inbox.setting);
  });
  afterAll(async () => {
    mailer?.close();
    await inbox?.close();
  });
  return () => {
    if (!inbox || !mailer) throw new Error("the SMTP server was used before beforeAll started it");
    return { inbox, mailer };
  };
}
