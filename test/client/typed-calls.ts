// What the generated client lets a caller write, checked by the compiler (see
// typecheck.test.ts): paths, parameters and fields the API does not have are
// compile errors, not requests that fail at run time. Never run, only compiled.
import { createLaurelClient, type Answer } from "../../src/client/index.ts";

const laurel = createLaurelClient({ baseUrl: "https://laurel.example", key: "lrl_test_key" });
const programId = "prg_01J0000000000000000000000";

export async function typedCalls(): Promise<number[]> {
  const { data, error } = await laurel.GET("/v1/programs/{programId}/reports/summary", {
    params: { path: { programId }, query: { from: "2026-01-01", to: "2026-01-31" } },
  });
  if (error) return [error.error.message.length];
  const sales: number = data.sales;
  const summary: Answer<"/v1/programs/{programId}/reports/summary", "get"> = data;

  // @ts-expect-error: the summary has no such field
  void data.revenue;
  // @ts-expect-error: there is no such path
  await laurel.GET("/v1/programs/{programId}/report");
  // @ts-expect-error: the program's id is a required path parameter
  await laurel.GET("/v1/programs/{programId}/reports/summary", {});
  await laurel.GET("/v1/programs/{programId}/reports/summary", {
    // @ts-expect-error: a path parameter by a name the route does not take
    params: { path: { id: programId } },
  });

  const balances = await laurel.GET(
    "/v1/programs/{programId}/participants/{participantId}/balances",
    { params: { path: { programId, participantId: "par_01J0000000000000000000000" } } },
  );
  const pending: number = balances.data?.cash.pending ?? 0;

  const sent = await laurel.POST("/v1/programs/{programId}/events", {
    params: { path: { programId } },
    // @ts-expect-error: an order's items are a list of lines, not a SKU
    body: {
      type: "order",
      id: "order-1",
      occurredAt: "2026-11-20T10:00:00Z",
      items: "SHIRT",
      currency: "USD",
    },
  });
  const result = sent.data?.results[0];
  // @ts-expect-error: only a processed (or duplicate) event has commissions
  void result?.commissions;
  const paid = result?.status === "processed" ? result.commissions.length : 0;

  return [sales, summary.orders, pending, paid];
}
