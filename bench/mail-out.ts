import { createServices } from "../src/engine/services.ts";
import { sendDueMails } from "../src/jobs/send-mail.ts";
import { renderMail } from "../src/mail/render.ts";
import { createMailer } from "../src/mail/send.ts";
import { loadMailTemplate } from "../src/mail/templates.ts";
import type { Database } from "../src/store/db.ts";
import { enqueueMails } from "../src/store/mail-outbox.ts";
import { startSmtpInbox } from "../test/mail/smtp-inbox.ts";
import { setUpProgram } from "./workload.ts";

/**
 * Mails sent through the outbox (claimed, rendered from the template files,
 * sent over SMTP, marked sent) to a real SMTP server on loopback, against
 * the same rendered mails sent straight through the same nodemailer
 * transport, one after another: what the outbox adds to sending.
 */
export interface MailOutResult {
  readonly mails: number;
  readonly outboxPerSec: number;
  readonly directPerSec: number;
}

export async function measureMailOut(db: Database, mails: number): Promise<MailOutResult> {
  const inbox = await startSmtpInbox();
  const services = createServices(db, { mail: inbox.setting });
  const mailer = createMailer(inbox.setting);
  try {
    const { program } = await setUpProgram(db, 1, 1, 0);
    const data = (n: number) => ({
      programName: "Bench",
      name: `Member ${n}`,
      link: `https://laurel.example.com/portal#token=bench-${n}`,
    });
    const write = (from: number, count: number) =>
      enqueueMails(
        db,
        program.id,
        Array.from({ length: count }, (_, i) => ({
          id: services.ids.next("eml"),
          brandId: program.brandId,
          to: `member-${from + i}@example.com`,
          template: "sign-in",
          data: data(from + i),
        })),
        services.now(),
      );
    // Warm both paths first.
    await write(1_000_000, 20);
    await sendDueMails(services, mailer);
    const template = await loadMailTemplate("sign-in");
    for (let n = 0; n < 20; n++)
      await mailer.send(`warm-${n}@example.com`, renderMail(template, data(n)));

    await write(0, mails);
    let started = performance.now();
    const run = await sendDueMails(services, mailer);
    const outboxPerSec = mails / ((performance.now() - started) / 1000);
    if (run.sent !== mails) throw new Error(`the outbox sent ${run.sent} of ${mails} mails`);

    started = performance.now();
    for (let n = 0; n < mails; n++) {
      // Rendered each time, as the worker renders each mail.
      const mail = renderMail(await loadMailTemplate("sign-in"), data(n));
      await mailer.send(`direct-${n}@example.com`, mail);
    }
    const directPerSec = mails / ((performance.now() - started) / 1000);
    return { mails, outboxPerSec, directPerSec };
  } finally {
    mailer.close();
    await inbox.close();
  }
}

export function printMailOut(results: { database: string; result: MailOutResult }[]): void {
  console.log(
    "\nMails through the outbox to an SMTP server on loopback, against the same mails sent straight (same run):\n",
  );
  console.table(
    results.map(({ database, result: r }) => ({
      database,
      mails: r.mails,
      "outbox mails/s": Math.round(r.outboxPerSec),
      "direct mails/s": Math.round(r.directPerSec),
      ratio: Number((r.outboxPerSec / r.directPerSec).toFixed(3)),
    })),
  );
}
