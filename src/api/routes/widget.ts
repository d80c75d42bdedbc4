import type { AnyRoute } from "../route.ts";

/** The storefront widget's API: a customer's own progress, with the program's widget secret. */
export const widgetRoutes: AnyRoute[] = [];
