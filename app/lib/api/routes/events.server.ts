import { EVENTS_POLL_OVERLAP_SECONDS, listEvents } from "../../events/emit.server";
import { DEFAULT_RETENTION } from "../../retention";
import { type ApiRoute, defineRoute, jsonResponse } from "../define";
import { Event, EventListQuery, page } from "../schemas";

export const eventRoutes: ApiRoute[] = [
  defineRoute({
    method: "GET",
    path: "/v1/events",
    scope: "conversations:read",
    operationId: "listEvents",
    summary: "List events (the event log), newest first",
    description: [
      "Each item is exactly the body a webhook receives for that event.",
      "",
      "Events are listed in **commit order**, newest first: an event appears once the change that emitted it is saved, above every event saved before it, and the events of one change are listed together in the order they happened. `next_cursor` pages back through older events.",
      "",
      "**Polling.** Ask for the first page and follow `next_cursor` until you reach an event id you have already processed; an event saved late still lands above the ones you have seen, so nothing is skipped.",
      `If you filter with \`since\` instead, overlap: \`created_at\` is when the change was made, and its event can be listed up to ${EVENTS_POLL_OVERLAP_SECONDS / 60} minutes later. Ask again from ${EVENTS_POLL_OVERLAP_SECONDS / 60} minutes before the newest \`created_at\` you have, and skip ids you have already seen.`,
      "",
      `**History.** Events are kept for ${DEFAULT_RETENTION.eventsDays} days after they were sent to subscribers (by default; a deployment may keep them longer), then deleted, so \`next_cursor\` ends there. An event still needed by a delivery stays as long as that delivery.`,
    ].join("\n"),
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
