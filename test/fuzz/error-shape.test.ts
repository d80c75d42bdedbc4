import { describe, expect, it } from "vitest";
import { errorShapeProblems, mediaTypeOf } from "./error-shape.ts";

describe("errorShapeProblems", () => {
  const json = (body: unknown) => errorShapeProblems("application/json", JSON.stringify(body));

  it.each([
    ["a body that is not JSON", errorShapeProblems("text/html", "<p>oops</p>")],
    ["JSON that does not parse", errorShapeProblems("application/json", "{")],
    ["no error object", json({ message: "x" })],
    [
      "a code that is not snake_case",
      json({ error: { code: "NotFound", message: "x", details: [] } }),
    ],
    ["an empty message", json({ error: { code: "not_found", message: " ", details: [] } })],
    [
      "details that are not a list",
      json({ error: { code: "not_found", message: "x", details: {} } }),
    ],
  ])("refuses %s", (_name, problems) => {
    expect(problems).toHaveLength(1);
  });

  it("accepts the contract's shape, with more fields beside it", () => {
    expect(
      json({ error: { code: "not_found", message: "x", details: [], requestId: "req_1" } }),
    ).toEqual([]);
    expect(
      errorShapeProblems(
        "application/problem+json",
        JSON.stringify({ error: { code: "gone", message: "x", details: [] } }),
      ),
    ).toEqual([]);
  });
});

describe("mediaTypeOf", () => {
  it("drops parameters and case", () => {
    expect(mediaTypeOf("Application/JSON; charset=utf-8")).toBe("application/json");
    expect(mediaTypeOf(undefined)).toBe("");
  });
});
