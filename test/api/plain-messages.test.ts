// What an API client reads when a value fails validation: each check zod
// makes, in plain words after the field's path, while a schema's own message
// still wins over them.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fromZod } from "../../src/api/errors.ts";

const schema = z.strictObject({
  name: z.string().min(1).max(5).optional(),
  code: z.string().min(3).optional(),
  points: z.number().int().positive().optional(),
  percent: z.number().min(0).max(100).optional(),
  ratio: z.number().positive().optional(),
  tags: z.array(z.string()).min(1).max(2).optional(),
  kind: z.enum(["points", "cash"]).optional(),
  type: z.literal("order").optional(),
  email: z.email().optional(),
  url: z.url().optional(),
  at: z.iso.datetime({ offset: true }).optional(),
  day: z.iso.date().optional(),
  reward: z
    .discriminatedUnion("type", [
      z.strictObject({ type: z.literal("points") }),
      z.strictObject({ type: z.literal("cash") }),
    ])
    .optional(),
  required: z.string().optional(),
  own: z.string().min(2, "at least two letters, please").optional(),
});

/** The one detail a body's single bad field produces. */
function detailOf(body: unknown): { path: string; message: string } {
  const parsed = schema.safeParse(body);
  if (parsed.success) throw new Error("the body was valid");
  const [detail] = fromZod(parsed.error, "the request body").details as {
    path: string;
    message: string;
  }[];
  if (!detail) throw new Error("no detail");
  return detail;
}

describe("validation messages in plain words", () => {
  it.each([
    [{ name: "" }, "name", "must not be empty"],
    [{ name: "abcdef" }, "name", "must be at most 5 characters"],
    [{ code: "ab" }, "code", "must be at least 3 characters"],
    [{ name: 7 }, "name", "must be text"],
    [{ points: 1.5 }, "points", "must be a whole number"],
    [{ points: 0 }, "points", "must be at least 1"],
    [{ points: "3" }, "points", "must be a number"],
    [{ percent: 101 }, "percent", "must be at most 100"],
    [{ percent: -1 }, "percent", "must be at least 0"],
    [{ ratio: 0 }, "ratio", "must be greater than 0"],
    [{ tags: [] }, "tags", "must not be empty"],
    [{ tags: ["a", "b", "c"] }, "tags", "must have at most 2 items"],
    [{ tags: "a" }, "tags", "must be a list"],
    [{ kind: "voucher" }, "kind", "must be one of: points, cash"],
    [{ type: "refund" }, "type", "must be order"],
    [{ email: "nobody" }, "email", "must be an email address"],
    [{ url: "not a url" }, "url", "must be a URL such as https://example.com/path"],
    [
      { at: "tomorrow" },
      "at",
      "must be a date and time with its offset, such as 2026-01-31T09:00:00Z",
    ],
    [{ day: "31/01/2026" }, "day", "must be a date as YYYY-MM-DD"],
    [{ reward: { type: "voucher" } }, "reward.type", "must be one of: points, cash"],
    [{ reward: {} }, "reward.type", "must be one of: points, cash"],
    [{ reward: 3 }, "reward", "must be an object"],
    [{ own: "a" }, "own", "at least two letters, please"],
  ])("%j reads: %s %s", (body, path, message) => {
    expect(detailOf(body)).toEqual({ path, message });
  });

  it("says a missing field is required, and the summary names each field", () => {
    const required = z.strictObject({ name: z.string(), steps: z.array(z.number()) });
    const parsed = required.safeParse({});
    if (parsed.success) throw new Error("the body was valid");
    const error = fromZod(parsed.error, "the request body");
    expect(error.details).toEqual([
      { path: "name", message: "is required" },
      { path: "steps", message: "is required" },
    ]);
    expect(error.message).toBe(
      "the request body is not valid: name: is required; steps: is required",
    );
    expect(error.code).toBe("invalid_request");
  });
});
