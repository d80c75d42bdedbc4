import { randomBytes } from "node:crypto";
import { renderMarkdown } from "./markdown.ts";
import { renderMail, type RenderedMail } from "../mail/render.ts";
import { loadMailTemplate } from "../mail/templates.ts";
import {
  ensureUnsubscribeTokens,
  enqueueBroadcastMails,
  findRecipients,
  insertBroadcast,
  lastBroadcastMailDue,
  unsubscribeByToken,
  type Audience,
  type BroadcastRecord,
} from "../store/broadcasts.ts";
import { lockBroadcastSchedule } from "../store/locks.ts";
import type { ProgramRecord } from "../store/programs.ts";
import type { Services } from "./services.ts";

export interface BroadcastInput {
  subject: string;
  /** Markdown. */
  body: string;
  audience?: Audience | undefined;
}

/** Why a broadcast cannot be written, as a value the route turns into its error. */
export type BroadcastRefusal =
  { kind: "mail_off" } | { kind: "unknown_level"; level: string; index: number; known: string[] };

/** Checks the audience against the program: only its own level keys select anyone. */
function refusalOf(
  services: Services,
  program: ProgramRecord,
  audience: Audience,
): BroadcastRefusal | null {
  if (!services.mail) return { kind: "mail_off" };
  const known = (program.config.levels ?? []).map((l) => l.key);
  const index = (audience.levels ?? []).findIndex((level) => !known.includes(level));
  const level = audience.levels?.[index];
  if (level !== undefined) return { kind: "unknown_level", level, index, known };
  return null;
}

/** What every mail of a broadcast says; each adds its recipient's unsubscribe link. */
const contentOf = (program: ProgramRecord, input: BroadcastInput) => ({
  programName: program.name,
  subject: input.subject,
  bodyText: input.body,
  bodyHtml: renderMarkdown(input.body),
});

const unsubscribeUrlOf = (services: Services, token: string) =>
  `${services.publicUrl}/v1/unsubscribe/${token}`;

/** An unguessable token: the whole of what an unsubscribe link proves. */
const newUnsubscribeToken = () => `uns_${randomBytes(24).toString("base64url")}`;

/**
 * How many a broadcast would reach and its mail as they would read it, with
 * an example unsubscribe link; writes nothing.
 */
export async function previewBroadcast(
  services: Services,
  program: ProgramRecord,
  input: BroadcastInput,
): Promise<
  { ok: false; refusal: BroadcastRefusal } | ({ ok: true; recipients: number } & RenderedMail)
> {
  const audience = input.audience ?? {};
  const refusal = refusalOf(services, program, audience);
  if (refusal) return { ok: false, refusal };
  const recipients = await findRecipients(services.db, program.id, audience);
  const mail = renderMail(await loadMailTemplate("broadcast"), {
    ...contentOf(program, input),
    unsubscribeUrl: unsubscribeUrlOf(services, "preview"),
  });
  return { ok: true, recipients: recipients.length, ...mail };
}

/**
 * Writes a broadcast and one mail per recipient in one transaction, so it
 * goes to all of them or to no one. The mails are due one after another at
 * `broadcastPerMinute`, after any broadcast still sending, and the mail
 * worker sends each at its turn: the rate needs no worker of its own, and a
 * restart loses nothing.
 */
export async function createBroadcast(
  services: Services,
  program: ProgramRecord,
  input: BroadcastInput,
): Promise<{ ok: false; refusal: BroadcastRefusal } | { ok: true; broadcast: BroadcastRecord }> {
  const audience = input.audience ?? {};
  const refusal = refusalOf(services, program, audience);
  if (refusal) return { ok: false, refusal };
  const content = contentOf(program, input);
  // Rendered once before anything is written, so a template that cannot be
  // filled in refuses the broadcast now rather than failing every mail later.
  renderMail(await loadMailTemplate("broadcast"), { ...content, unsubscribeUrl: "" });
  return services.db.transaction(async (tx) => {
    await lockBroadcastSchedule(tx);
    const now = services.now();
    const recipients = await findRecipients(tx, program.id, audience);
    const tokens = await ensureUnsubscribeTokens(
      tx,
      program.id,
      recipients
        .filter((r) => r.token === null)
        .map((r) => ({ participantId: r.participantId, token: newUnsubscribeToken() })),
    );
    const broadcast: BroadcastRecord = {
      id: services.ids.next("brc"),
      programId: program.id,
      brandId: program.brandId,
      subject: input.subject,
      body: input.body,
      audience,
      recipients: recipients.length,
      createdAt: now,
    };
    await insertBroadcast(tx, broadcast);
    const queuedUntil = await lastBroadcastMailDue(tx);
    const spacingMs = 60_000 / services.broadcastPerMinute;
    const startMs =
      queuedUntil && queuedUntil > now ? queuedUntil.getTime() + spacingMs : now.getTime();
    await enqueueBroadcastMails(
      tx,
      { programId: program.id, brandId: program.brandId, broadcastId: broadcast.id },
      recipients.map((r, i) => {
        const token = r.token ?? tokens.get(r.participantId);
        if (token === undefined) throw new Error(`no unsubscribe token for ${r.participantId}`);
        return {
          id: services.ids.next("eml"),
          to: r.email,
          data: { ...content, unsubscribeUrl: unsubscribeUrlOf(services, token) },
          dueAt: new Date(startMs + Math.floor(i * spacingMs)),
        };
      }),
    );
    return { ok: true as const, broadcast };
  });
}

/** One-click unsubscribe: broadcasts stop; transactional mail still goes. */
export async function unsubscribeFromBroadcasts(
  services: Services,
  token: string,
): Promise<boolean> {
  return unsubscribeByToken(services.db, token, services.now());
}
