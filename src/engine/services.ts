import { randomBytes } from "node:crypto";
import { createIdSource, voucherCodeFrom, type IdSource } from "../domain/ids.ts";
import type { Database } from "../store/db.ts";

/** Everything the engine and the API need from the outside world, in one typed object. */
export interface Services {
  readonly db: Database;
  readonly ids: IdSource;
  readonly now: () => Date;
  /** Where Laurel is reached from outside; referral links start with it. */
  readonly publicUrl: string;
  /** A new, unguessable voucher code for a free-product reward. */
  readonly voucherCode: () => string;
}

export function createServices(
  db: Database,
  options: { publicUrl?: string; now?: () => Date } = {},
): Services {
  const now = options.now ?? (() => new Date());
  return {
    db,
    ids: createIdSource(
      () => now().getTime(),
      (n) => randomBytes(n),
    ),
    now,
    voucherCode: () => voucherCodeFrom(randomBytes(10)),
    publicUrl: (options.publicUrl ?? "http://localhost:3000").replace(/\/$/, ""),
  };
}
