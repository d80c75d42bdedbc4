import type { AnyRoute } from "../route.ts";

/** What the participant portal reads beyond /v1/me: sessions, downline sales, leaderboard. */
export const portalRoutes: AnyRoute[] = [];
