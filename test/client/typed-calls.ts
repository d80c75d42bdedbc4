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

  return [sales, summary.orders];
}
