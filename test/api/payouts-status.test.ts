import { readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import type { Database } from "../../src/store/db.ts";
import { migrate } from "../../src/store/migrate.ts";
import { findPayout, payoutLines } from "../../src/store/payouts.ts";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  order,
  sendEvents,
  useApi,
  type Collection,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

interface PayoutBody {
  id: string;
  total: number;
  status: "created" | "exported" | "paid";
  exportedAt: string | null;
  paidAt: string | null;
  paymentReference: string | null;
  lines: { participantId: string; name: string | null; amount: number }[];
}

describeEachBackend("payout status", (backend) => {
  const api = useApi(backend);

  async function setUp() {
    const program = await createProgram(api, {
      commission: { rate: { percent: 10 }, holdDays: 0 },
      payouts: { minimum: 0 },
    });
    const ana = await createParticipant(api, program.id, { externalId: "ana", name: "Ana Lima" });
    const base = `/v1/programs/${program.id}/payouts`;
    const sell = async (id: string) => {
      expectStatus(await sendEvents(api, program.id, order(id, { code: ana.referralCode })), 200);
      await releaseDueHolds(api.services);
    };
    const pay = async () => {
      const reply = await api.call<PayoutBody>("POST", base);
      expectStatus(reply, 201);
      return reply.body;
    };
    const read = async (id: string) => (await api.call<PayoutBody>("GET", `${base}/${id}`)).body;
    const exportCsv = async (id: string) =>
      expectStatus(await api.call("GET", `${base}/${id}/export.csv`), 200);
    const markPaid = (id: string, body?: unknown) =>
      api.call<PayoutBody>("POST", `${base}/${id}/mark-paid`, body);
    return { program, ana, base, sell, pay, read, exportCsv, markPaid };
  }

  it("is created when made, with each line's participant name", async () => {
    const { sell, pay } = await setUp();
    await sell("o-1");
    const payout = await pay();
    expect(payout).toMatchObject({
      status: "created",
      exportedAt: null,
      paidAt: null,
      paymentReference: null,
    });
    expect(payout.lines.map((l) => l.name)).toEqual(["Ana Lima"]);
  });

  it("becomes exported when its CSV is first downloaded, and keeps the first download's time", async () => {
    const { sell, pay, read, exportCsv } = await setUp();
    await sell("o-1");
    const payout = await pay();
    await exportCsv(payout.id);
    const exported = await read(payout.id);
    expect(exported.status).toBe("exported");
    expect(exported.exportedAt).not.toBeNull();
    await exportCsv(payout.id);
    expect((await read(payout.id)).exportedAt).toBe(exported.exportedAt);
  });

  it("becomes paid with its reference, idempotently, and never goes back", async () => {
    const { sell, pay, read, exportCsv, markPaid } = await setUp();
    await sell("o-1");
    const payout = await pay();
    await exportCsv(payout.id);
    const paid = await markPaid(payout.id, { reference: "wise-2211" });
    expectStatus(paid, 200);
    expect(paid.body).toMatchObject({ status: "paid", paymentReference: "wise-2211" });
    expect(paid.body.paidAt).not.toBeNull();

    const again = await markPaid(payout.id);
    expectStatus(again, 200);
    expect(again.body).toEqual(paid.body);
    expectStatus(await markPaid(payout.id, { reference: "wise-2211" }), 200);
    expectError(await markPaid(payout.id, { reference: "other" }), 409, "conflict");

    await exportCsv(payout.id);
    expect(await read(payout.id)).toEqual(paid.body);
  });

  it("can be marked paid without being exported first, and without a reference", async () => {
    const { sell, pay, markPaid } = await setUp();
    await sell("o-1");
    const payout = await pay();
    const paid = await markPaid(payout.id);
    expectStatus(paid, 200);
    expect(paid.body).toMatchObject({ status: "paid", exportedAt: null, paymentReference: null });
  });

  it("lists payouts newest first, a page at a time", async () => {
    const { base, sell, pay } = await setUp();
    const made: string[] = [];
    for (const id of ["o-1", "o-2", "o-3"]) {
      await sell(id);
      made.push((await pay()).id);
    }
    const first = await api.call<Collection<PayoutBody>>("GET", `${base}?limit=2`);
    expect(first.body.items.map((p) => p.id)).toEqual([made[2], made[1]]);
    expect(first.body.items[0]).toMatchObject({ status: "created" });
    const rest = await api.call<Collection<PayoutBody>>(
      "GET",
      `${base}?limit=2&cursor=${first.body.next}`,
    );
    expect(rest.body).toEqual({
      items: [expect.objectContaining({ id: made[0] })],
      next: null,
    });
  });

  describe("errors", () => {
    it("answers 404 for marking a payout of another brand or one that does not exist", async () => {
      const { program, sell, pay } = await setUp();
      await sell("o-1");
      const payout = await pay();
      expectError(
        await api.call(
          "POST",
          `/v1/programs/${program.id}/payouts/${payout.id}/mark-paid`,
          {},
          api.otherKey,
        ),
        404,
        "not_found",
      );
      expectError(
        await api.call("POST", `/v1/programs/${program.id}/payouts/pay_nope/mark-paid`),
        404,
        "not_found",
      );
    });

    it("answers 422 for an empty reference, and leaves the payout created", async () => {
      const { sell, pay, read, markPaid } = await setUp();
      await sell("o-1");
      const payout = await pay();
      const reply = await markPaid(payout.id, { reference: "  " });
      expect(reply.status).toBe(422);
      expect((await read(payout.id)).status).toBe("created");
    });
  });
});

describeEachBackend("payouts made before payouts had a status", (backend) => {
  let db: Database | undefined;
  afterAll(async () => {
    await db?.close();
  });

  it("read as created, their lines named after the participant", async () => {
    db = await backend.open();
    // The database as it was before 0019: every later migration marked as
    // applied, so migrate() stops short of them, then unmarked again.
    const dir = fileURLToPath(new URL("../../src/store/migrations/", import.meta.url));
    const later = (await readdir(dir)).filter((f) => f.endsWith(".sql") && f >= "0019");
    await db.query(
      "create table schema_migrations (name text primary key, applied_at timestamptz not null default now())",
    );
    for (const name of later)
      await db.query("insert into schema_migrations (name) values ($1)", [name]);
    await migrate(db);
    await db.query(
      `insert into participants (program_id, id, external_id, name, status, referral_code)
       values ('prg_old', 'par_ana', 'ana', 'Ana Lima', 'active', 'ANA-OLD')`,
    );
    await db.query(
      `insert into payouts (program_id, id, currency, total_minor, created_at)
       values ('prg_old', 'pay_old', 'USD', 1000, '2026-01-05T10:00:00Z')`,
    );
    await db.query(
      `insert into payout_lines (program_id, payout_id, line_no, participant_id, external_id, email, amount_minor, reference)
       values ('prg_old', 'pay_old', 1, 'par_ana', 'ana', null, 1000, 'pay_old-1')`,
    );
    await db.query("delete from schema_migrations where name = any($1::text[])", [later]);
    expect(await migrate(db)).toEqual(later);

    expect(await findPayout(db, "prg_old", "pay_old")).toMatchObject({
      status: "created",
      exportedAt: null,
      paidAt: null,
      paidReference: null,
      totalMinor: 1000,
    });
    expect(await payoutLines(db, "prg_old", "pay_old")).toEqual([
      expect.objectContaining({ participantId: "par_ana", name: "Ana Lima", amountMinor: 1000 }),
    ]);
  });
});
