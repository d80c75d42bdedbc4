import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/cli/config.ts";

describe("the server's environment", () => {
  it("listens on loopback unless HOST says otherwise, so a new install is not on the network by accident", () => {
    expect(readConfig({}).HOST).toBe("127.0.0.1");
    expect(readConfig({ HOST: "0.0.0.0" }).HOST).toBe("0.0.0.0");
  });

  it("leaves metrics off without LAUREL_METRICS_TOKEN and refuses a guessable one", () => {
    expect(readConfig({}).LAUREL_METRICS_TOKEN).toBeUndefined();
    expect(
      readConfig({ LAUREL_METRICS_TOKEN: "a-long-enough-metrics-token" }).LAUREL_METRICS_TOKEN,
    ).toBe("a-long-enough-metrics-token");
    expect(() => readConfig({ LAUREL_METRICS_TOKEN: "short" })).toThrow(
      /LAUREL_METRICS_TOKEN must be at least 16 characters/,
    );
  });
});
