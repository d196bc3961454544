import { listEvents } from "../../events/emit.server";
import { type ApiRoute, defineRoute, jsonResponse } from "../define";
import { Event, EventListQuery, page } from "../schemas";

export const eventRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/v1/events",
    scope: "conversations:read",
    operationId: "listEvents",
    summary: "List events (the event log), newest first",
    description: "Each item is exactly the body a webhook receives for that event.",
    tag: "Events",
    query: EventListQuery,
    responses: { 200: { description: "A page of events.", schema: page(Event, "EventPage") } },
    handler: async (c) => {
      const since = c.query.since ? new Date(c.query.since) : undefined;
      return jsonResponse(
        await listEvents({ db: c.db, companyId: c.key.companyId, type: c.query.type, since, cursor: c.query.cursor, limit: c.query.limit }),
      );
    },
  }),
];
