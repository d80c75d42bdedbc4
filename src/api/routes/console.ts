import type { AnyRoute } from "../route.ts";

/** What the admin console reads beyond the other resources: time series, searches. */
export const consoleRoutes: AnyRoute[] = [];
