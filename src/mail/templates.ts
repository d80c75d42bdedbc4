import { readFile } from "node:fs/promises";
import type { MailTemplate } from "./render.ts";

/** The mails Laurel sends, each with a text and an HTML file in ./templates. */
export const MAIL_TEMPLATES = [
  "sign-in",
  "reward-granted",
  "payout-sent",
  "broadcast",
  "endpoint-disabled",
  "application-approved",
  "application-rejected",
] as const;
export type MailTemplateName = (typeof MAIL_TEMPLATES)[number];

const templatesDir = new URL("./templates/", import.meta.url);

export const isMailTemplateName = (name: string): name is MailTemplateName =>
  (MAIL_TEMPLATES as readonly string[]).includes(name);

/**
 * Reads a template from its files at every send, so a brand's edit to a
 * file takes effect with the next mail, without a restart.
 */
export async function loadMailTemplate(name: MailTemplateName): Promise<MailTemplate> {
  const [text, html] = await Promise.all([
    readFile(new URL(`${name}.txt`, templatesDir), "utf8"),
    readFile(new URL(`${name}.html`, templatesDir), "utf8"),
  ]);
  return { text, html };
}
