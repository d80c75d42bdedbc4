import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { DEFAULT_RATE_LIMITS } from "../api/rate-limits.ts";
import { parseSftpUrl, type SftpConfig } from "../integrations/sftp.ts";
import { DEFAULT_BROADCAST_PER_MINUTE, type MailSetting } from "../engine/services.ts";
import { parseSmtpUrl } from "../mail/smtp-url.ts";
import { parseS3Url, s3CreativeFiles } from "../integrations/s3-creative-files.ts";
import { directoryCreativeFiles, type CreativeFiles } from "../store/creative-files.ts";

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    // Loopback unless asked: a new install is not reachable from the network by accident.
    HOST: z.string().default("127.0.0.1"),
    DATABASE_URL: z.string().url().optional(),
    LAUREL_DATA: z.string().default("./data"),
    LAUREL_ADMIN_KEY: z
      .string()
      .min(16, "LAUREL_ADMIN_KEY must be at least 16 characters")
      .optional(),
    LAUREL_PUBLIC_URL: z.string().url().optional(),
    // Anyone who can reach the server could guess a short one.
    LAUREL_METRICS_TOKEN: z
      .string()
      .min(16, "LAUREL_METRICS_TOKEN must be at least 16 characters")
      .optional(),
    LAUREL_SFTP_URL: z.string().optional(),
    LAUREL_SFTP_PASSWORD: z.string().optional(),
    LAUREL_SFTP_KEY_FILE: z.string().optional(),
    LAUREL_SFTP_HOST_KEY: z
      .string()
      .regex(
        /^SHA256:[A-Za-z0-9+/]{43}=?$/,
        "must be a fingerprint as ssh-keygen -lf prints it: SHA256:…",
      )
      .optional(),
    LAUREL_SFTP_POLL_SECONDS: z.coerce.number().int().positive().default(60),
    LAUREL_RATE_LIMIT: z.coerce.number().int().min(0).default(DEFAULT_RATE_LIMITS.perCredential),
    LAUREL_RATE_LIMIT_PUBLIC: z.coerce
      .number()
      .int()
      .min(0)
      .default(DEFAULT_RATE_LIMITS.perAddress),
    LAUREL_TRUST_PROXY: z
      .enum(["true", "false", "1", "0"], { message: "must be true or false" })
      .transform((v) => v === "true" || v === "1")
      .default(false),
    // Holds the SMTP password: its messages never repeat the value.
    LAUREL_SMTP_URL: z.string().optional(),
    // Holds the S3 secret: its messages never repeat the value.
    LAUREL_S3_URL: z.string().optional(),
    LAUREL_MAIL_FROM: z.string().min(3).optional(),
    LAUREL_BROADCAST_PER_MINUTE: z.coerce
      .number()
      .int()
      .positive()
      .max(60_000)
      .default(DEFAULT_BROADCAST_PER_MINUTE),
    // Development and tests only: webhooks to http:// and private addresses.
    LAUREL_WEBHOOKS_ALLOW_PRIVATE: z
      .enum(["true", "false", "1", "0"], { message: "must be true or false" })
      .transform((v) => v === "true" || v === "1")
      .default(false),
  })
  .superRefine((env, ctx) => {
    if ((env.LAUREL_SMTP_URL === undefined) !== (env.LAUREL_MAIL_FROM === undefined))
      ctx.addIssue({
        code: "custom",
        path: [env.LAUREL_SMTP_URL === undefined ? "LAUREL_MAIL_FROM" : "LAUREL_SMTP_URL"],
        message:
          "LAUREL_SMTP_URL and LAUREL_MAIL_FROM go together: set both to send mail, or neither",
      });
    if (env.LAUREL_SMTP_URL !== undefined) {
      const smtp = parseSmtpUrl(env.LAUREL_SMTP_URL);
      if (!smtp.ok)
        ctx.addIssue({ code: "custom", path: ["LAUREL_SMTP_URL"], message: smtp.message });
    }
    if (env.LAUREL_S3_URL !== undefined) {
      const s3 = parseS3Url(env.LAUREL_S3_URL);
      if (!s3.ok) ctx.addIssue({ code: "custom", path: ["LAUREL_S3_URL"], message: s3.message });
    }
    if (env.LAUREL_SFTP_URL === undefined) return;
    const url = parseSftpUrl(env.LAUREL_SFTP_URL);
    if (!url.ok) ctx.addIssue({ code: "custom", path: ["LAUREL_SFTP_URL"], message: url.message });
    if (env.LAUREL_SFTP_PASSWORD === undefined && env.LAUREL_SFTP_KEY_FILE === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["LAUREL_SFTP_URL"],
        message: "needs LAUREL_SFTP_PASSWORD or LAUREL_SFTP_KEY_FILE to log in",
      });
  });

export type Config = z.infer<typeof envSchema>;

export function readConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== "")),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join(".")}: ${i.message}`)
      .join("\n  ");
    throw new Error(`the environment is not valid:\n  ${problems}`);
  }
  return parsed.data;
}

/** Where Laurel is reached from outside: LAUREL_PUBLIC_URL, or this machine's PORT. */
export function publicUrlOf(config: Config): string {
  return config.LAUREL_PUBLIC_URL ?? `http://localhost:${config.PORT}`;
}

/** Where mail goes, from LAUREL_SMTP_URL and LAUREL_MAIL_FROM, or undefined when they are unset. */
export function mailSettingOf(config: Config): MailSetting | undefined {
  if (config.LAUREL_SMTP_URL === undefined || config.LAUREL_MAIL_FROM === undefined)
    return undefined;
  return { smtpUrl: config.LAUREL_SMTP_URL, from: config.LAUREL_MAIL_FROM };
}

/**
 * Where creatives' files go: the bucket of LAUREL_S3_URL when it is set,
 * otherwise LAUREL_DATA/creatives, which names the data directory with a
 * PostgreSQL DATABASE_URL as well as with the embedded database.
 */
export function creativeFilesOf(config: Config): CreativeFiles {
  if (config.LAUREL_S3_URL === undefined)
    return directoryCreativeFiles(join(config.LAUREL_DATA, "creatives"));
  const s3 = parseS3Url(config.LAUREL_S3_URL);
  // readConfig refused a bad URL already.
  if (!s3.ok) throw new Error(`LAUREL_S3_URL ${s3.message}`);
  return s3CreativeFiles(s3.location);
}

/** A dropped file changed this recently may still be uploading; it waits for the next poll. */
const DROP_SETTLE_SECONDS = 10;

/** The SFTP drop folder from LAUREL_SFTP_*, or null when LAUREL_SFTP_URL is unset. */
export async function sftpConfigOf(config: Config): Promise<SftpConfig | null> {
  if (config.LAUREL_SFTP_URL === undefined) return null;
  const url = parseSftpUrl(config.LAUREL_SFTP_URL);
  // readConfig refused a bad URL already.
  if (!url.ok) throw new Error(`LAUREL_SFTP_URL ${url.message}`);
  let privateKey: Buffer | undefined;
  if (config.LAUREL_SFTP_KEY_FILE !== undefined) {
    try {
      privateKey = await readFile(config.LAUREL_SFTP_KEY_FILE);
    } catch (error) {
      throw new Error(
        `LAUREL_SFTP_KEY_FILE: cannot read ${config.LAUREL_SFTP_KEY_FILE}: ${(error as Error).message}`,
      );
    }
  }
  return {
    host: url.host,
    port: url.port,
    username: url.username,
    path: url.path,
    password: config.LAUREL_SFTP_PASSWORD,
    privateKey,
    hostKey: config.LAUREL_SFTP_HOST_KEY,
    pollSeconds: config.LAUREL_SFTP_POLL_SECONDS,
    settleSeconds: DROP_SETTLE_SECONDS,
  };
}
