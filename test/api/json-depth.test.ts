import { describe, expect, it } from "vitest";
import { nestsDeeperThan } from "../../src/api/json-depth.ts";

describe("nestsDeeperThan", () => {
  it.each([
    ["[]", 1, false],
    ["[[]]", 1, true],
    ['{"a": {"b": [1, 2]}}', 3, false],
    ['{"a": {"b": [1, 2]}}', 2, true],
    // Brackets inside strings, escaped quotes included, are text, not nesting.
    ['{"name": "[[[[ \\" {{{{"}', 1, false],
    ['["\\\\", [[]]]', 2, true],
  ])("%s deeper than %i: %s", (text, maxDepth, deeper) => {
    expect(nestsDeeperThan(text, maxDepth)).toBe(deeper);
  });
});
