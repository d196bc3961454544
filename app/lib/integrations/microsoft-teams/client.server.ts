/**
 * The one call Teams alerts make: POST the card to the channel's Workflows webhook URL. The trigger
 * answers 202 Accepted with the flow run's id in `x-ms-workflow-run-id`; a wrong or removed
 * signature is a 401, a deleted or disabled workflow a 404, throttling a 429 with Retry-After.
 */
import { type ClientDeps, type ErrorReader, field, requestJson } from "../provider-http.server";
import type { TeamsMessage } from "./card";

const readError: ErrorReader = (status, body) => ({
  message: field(body, "error", "message") ?? field(body, "message") ?? `HTTP ${status}`,
  code: field(body, "error", "code"),
});

export async function postToWorkflow(deps: ClientDeps, url: string, card: TeamsMessage): Promise<{ runId: string | null }> {
  const res = await requestJson<unknown>(deps, "Microsoft Teams", { method: "POST", url, headers: {}, body: card }, readError);
  return { runId: res.headers.get("x-ms-workflow-run-id") };
}
