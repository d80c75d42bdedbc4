import { z } from "zod";
import { eventSchema, MAX_EVENTS_PER_REQUEST } from "../../domain/events.ts";
import { ingestEvents } from "../../engine/ingest.ts";
import { ApiError, fromZod, type ErrorCode } from "../errors.ts";
import { eventResultsExample, orderEventExample } from "../examples.ts";
import { route } from "../route.ts";
import { eventResultsSchema } from "../schemas.ts";
import { loadProgram } from "./programs.ts";

const batchSchema = z.object({ events: z.array(z.unknown()) });

export const eventRoutes = [
  route({
    method: "POST",
    url: "/v1/programs/{programId}/events",
    operationId: "sendEvents",
    summary: `Send one event, or {"events": [...]} (up to ${MAX_EVENTS_PER_REQUEST})`,
    description:
      "Orders, refunds, clicks, signups, reviews and custom events, attributed, paid and counted " +
      "toward goals in one transaction. An event's id makes it idempotent: the same id again " +
      "answers `duplicate` with the first outcome. A single event that is invalid, conflicts " +
      "with an earlier one of the same id or cannot apply is an error (400, 409, 422); in a " +
      "batch, such an event is `rejected` alone and the others are processed.",
    tag: "Events",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    body: z
      .union([eventSchema, z.object({ events: z.array(eventSchema) })])
      .describe("one event or a batch"),
    bodyCheckedByHandler: true,
    bodyExample: orderEventExample,
    response: eventResultsSchema,
    responseExample: eventResultsExample,
    errors: [409],
    handler: async ({ services, caller, params, request }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      // Events are validated one by one inside, so one bad event in a batch is
      // rejected alone rather than failing the request.
      const batch = batchSchema.safeParse(request.body);
      const single = !batch.success;
      const raw = batch.success ? batch.data.events : [request.body];
      if (raw.length > MAX_EVENTS_PER_REQUEST)
        throw new ApiError(
          "too_many_events",
          `a batch holds at most ${MAX_EVENTS_PER_REQUEST} events and this one has ${raw.length}; split it`,
        );
      if (
        single &&
        (typeof request.body !== "object" || request.body === null || Array.isArray(request.body))
      )
        throw new ApiError("invalid_request", 'send one event object or {"events": [...]}');
      const results = await ingestEvents(services, program, raw);
      const only = results[0];
      if (single && only?.status === "rejected") {
        const parsed = eventSchema.safeParse(request.body);
        if (!parsed.success) throw fromZod(parsed.error, "the event");
        throw new ApiError(
          only.error.code as ErrorCode,
          only.error.message,
          only.error.details ?? [],
        );
      }
      return { results };
    },
  }),
];
