import { z } from "zod";

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z.string().url().optional(),
  LAUREL_DATA: z.string().default("./data"),
  LAUREL_ADMIN_KEY: z
    .string()
    .min(16, "LAUREL_ADMIN_KEY must be at least 16 characters")
    .optional(),
  LAUREL_PUBLIC_URL: z.string().url().optional(),
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
