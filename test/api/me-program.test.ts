import { expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectStatus,
  useApi,
  type Api,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

async function tokenFor(api: Api, programId: string, participantId: string): Promise<string> {
  const reply = await api.call<{ token: string }>(
    "POST",
    `/v1/programs/${programId}/participants/${participantId}/tokens`,
  );
  expectStatus(reply, 201);
  return reply.body.token;
}

describeEachBackend("what a participant reads of their program and goals", (backend) => {
  const api = useApi(backend);

  it("shows the program's logo and colour, and an empty branding when none is set", async () => {
    const branded = await createProgram(api, {
      name: "Trail Club",
      branding: { logoUrl: "https://shop.example.com/logo.png", color: "#0f766e" },
    });
    const ana = await createParticipant(api, branded.id, { externalId: "ana" });
    const reply = await api.call<Record<string, unknown>>(
      "GET",
      "/v1/me/program",
      undefined,
      await tokenFor(api, branded.id, ana.id),
    );
    expectStatus(reply, 200);
    expect(reply.body).toMatchObject({
      id: branded.id,
      name: "Trail Club",
      branding: { logoUrl: "https://shop.example.com/logo.png", color: "#0f766e" },
    });

    const plain = await createProgram(api, { name: "Plain" });
    const ben = await createParticipant(api, plain.id, { externalId: "ben" });
    const unbranded = await api.call<Record<string, unknown>>(
      "GET",
      "/v1/me/program",
      undefined,
      await tokenFor(api, plain.id, ben.id),
    );
    expectStatus(unbranded, 200);
    expect(unbranded.body.branding).toEqual({});
  });

  it("never shows the participant an inactivity ladder, which the admin still sees", async () => {
    const program = await createProgram(api);
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    for (const goal of [
      {
        name: "Five orders",
        metric: "order_count",
        steps: [{ threshold: 5, reward: { type: "points", points: 50 } }],
      },
      {
        name: "We miss you",
        metric: "inactivity_days",
        steps: [{ threshold: 30, reward: { type: "points", points: 20 } }],
      },
    ])
      expectStatus(await api.call("POST", `/v1/programs/${program.id}/goals`, goal), 201);

    const mine = await api.call<{ name: string }[]>(
      "GET",
      "/v1/me/progress",
      undefined,
      await tokenFor(api, program.id, ana.id),
    );
    expectStatus(mine, 200);
    expect(mine.body.map((p) => p.name)).toEqual(["Five orders"]);

    const admins = await api.call<{ name: string }[]>(
      "GET",
      `/v1/programs/${program.id}/participants/${ana.id}/progress`,
    );
    expectStatus(admins, 200);
    expect(admins.body.map((p) => p.name).sort()).toEqual(["Five orders", "We miss you"]);
  });
});
