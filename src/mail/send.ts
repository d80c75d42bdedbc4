import nodemailer from "nodemailer";
import type { MailSetting } from "../engine/services.ts";
import type { RenderedMail } from "./render.ts";
import { parseSmtpUrl } from "./smtp-url.ts";

/** Sends one mail, or throws why the SMTP server did not take it. */
export interface Mailer {
  /** `headers`: any beyond those every mail has, such as a broadcast's List-Unsubscribe. */
  send(to: string, mail: RenderedMail, headers?: Readonly<Record<string, string>>): Promise<void>;
  close(): void;
}

/** An SMTP server that does not answer within this is tried again later. */
const SMTP_TIMEOUT_MS = 15_000;

/** A mailer over the SMTP server of LAUREL_SMTP_URL, from LAUREL_MAIL_FROM. */
export function createMailer(setting: MailSetting): Mailer {
  const server = parseSmtpUrl(setting.smtpUrl);
  // readConfig refused a bad URL already; the message never holds the password.
  if (!server.ok) throw new Error(`LAUREL_SMTP_URL ${server.message}`);
  const transport = nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: server.secure,
    ...(server.auth ? { auth: server.auth } : {}),
    // One SMTP connection kept open across mails: a new connection (and its
    // greeting and login) for every mail is what limits a broadcast's rate.
    pool: true,
    maxConnections: 1,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    send: async (to, mail, headers = {}) => {
      await transport.sendMail({
        from: setting.from,
        to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: { ...headers },
      });
    },
    close: () => transport.close(),
  };
}
