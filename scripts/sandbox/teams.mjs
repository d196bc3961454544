// A stateful fake of a Microsoft Teams channel's Workflows webhook ("Send webhook alerts to a
// channel", a Power Automate request trigger): POST {base}/workflows/{id}/triggers/manual/paths/invoke
// ?api-version=…&sp=…&sv=1.0&sig=… The signature authenticates (any `sandbox_…` sig, unless revoked:
// 401 otherwise), an unknown workflow is a 404, an accepted post is 202 with x-ms-workflow-run-id.
// The real trigger accepts any JSON and fails later inside the flow when the card is bad; this fake
// checks the message and the Adaptive Card elements up front (400) so tests see the mistake.
import { createFake, isObject, json } from "./kit.mjs";

export const TEAMS_WORKFLOW = { id: "sandbox-support-alerts", channel: "Support › Alerts" };
export const TEAMS_SANDBOX_SIG = "sandbox_teams_sig";

/** The URL a developer pastes into the connect form under `npm start` (base = TEAMS_WORKFLOWS_BASE). */
export const teamsSandboxUrl = (base, workflowId = TEAMS_WORKFLOW.id, sig = TEAMS_SANDBOX_SIG) =>
  `${base}/workflows/${workflowId}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}`;

const ELEMENTS = new Set(["TextBlock", "RichTextBlock", "FactSet", "Container", "ColumnSet", "Image"]);
const ACTIONS = new Set(["Action.OpenUrl"]);
const isUrl = (v) => typeof v === "string" && /^https?:\/\/\S+$/.test(v);

/** The problems of an Adaptive Card (what the flow's "Post card" step would reject), and its plain text. */
export function checkAdaptiveCard(card) {
  const problems = [];
  const text = [];
  if (!isObject(card) || card.type !== "AdaptiveCard") problems.push("content.type must be AdaptiveCard");
  if (typeof card?.version !== "string" || !/^1\.[0-6]$/.test(card.version)) problems.push("content.version must be 1.0–1.6");
  if (!Array.isArray(card?.body)) problems.push("content.body must be an array");
  const walk = (el, at) => {
    if (!isObject(el) || !ELEMENTS.has(el.type)) return problems.push(`${at}: unknown element type ${JSON.stringify(el?.type)}`);
    if (el.type === "TextBlock") {
      if (typeof el.text !== "string" || !el.text) problems.push(`${at}.text must be a non-empty string`);
      else text.push(el.text);
    }
    if (el.type === "RichTextBlock") {
      if (!Array.isArray(el.inlines)) return problems.push(`${at}.inlines must be an array`);
      el.inlines.forEach((run, i) => {
        if (typeof run === "string") return text.push(run);
        if (!isObject(run) || run.type !== "TextRun" || typeof run.text !== "string")
          problems.push(`${at}.inlines[${i}] must be a TextRun`);
        else text.push(run.text);
      });
    }
    if (el.type === "FactSet") {
      if (!Array.isArray(el.facts)) return problems.push(`${at}.facts must be an array`);
      el.facts.forEach((f, i) => {
        if (typeof f?.title !== "string" || typeof f?.value !== "string") problems.push(`${at}.facts[${i}] needs title and value strings`);
        else text.push(`${f.title}: ${f.value}`);
      });
    }
    if (el.type === "Container") (Array.isArray(el.items) ? el.items : []).forEach((c, i) => walk(c, `${at}.items[${i}]`));
    if (el.type === "Image" && !isUrl(el.url)) problems.push(`${at}.url must be an absolute URL`);
  };
  (Array.isArray(card?.body) ? card.body : []).forEach((el, i) => walk(el, `body[${i}]`));
  for (const [i, a] of (Array.isArray(card?.actions) ? card.actions : []).entries()) {
    if (!isObject(a) || !ACTIONS.has(a.type)) problems.push(`actions[${i}]: unsupported action ${JSON.stringify(a?.type)}`);
    else if (!isUrl(a.url) || typeof a.title !== "string") problems.push(`actions[${i}] needs a title and an absolute url`);
  }
  return { problems, text: text.join("\n") };
}

const triggerError = (status, code, message) => json({ error: { code, message } }, status);

export function createTeamsFake({ onCall, credentials } = {}) {
  return createFake({
    provider: "microsoft-teams",
    onCall,
    credentials,
    seed: () => ({ nextRun: 1, workflows: new Map([[TEAMS_WORKFLOW.id, { ...TEAMS_WORKFLOW, posts: [] }]]) }),
    snapshot: (state) => ({ workflows: [...state.workflows.values()] }),
    authenticate: ({ credentials, url }) => credentials.accepts(url.searchParams.get("sig")),
    unauthorized: () =>
      triggerError(401, "DirectApiAuthorizationRequired", "The request must be authenticated only by Shared Access scheme."),
    rateLimited: () => ({ error: { code: "WorkflowTriggerThrottled", message: "The workflow trigger is being throttled." } }),
    notFound: () => triggerError(404, "NotFound", "The requested resource was not found."),
    routes: ({ method, path, body, state }) => {
      const m = path.match(/^\/workflows\/([^/]+)\/triggers\/manual\/paths\/invoke$/);
      if (!m) return null;
      const workflow = state.workflows.get(m[1]);
      if (!workflow) return triggerError(404, "WorkflowNotFound", `The workflow '${m[1]}' could not be found.`);
      if (method !== "POST") return triggerError(405, "MethodNotAllowed", "The trigger accepts POST only.");
      if (!isObject(body) || body.type !== "message" || !Array.isArray(body.attachments) || body.attachments.length === 0)
        return triggerError(400, "TriggerInputSchemaMismatch", "The body must be a message with attachments.");
      const cards = [];
      for (const [i, a] of body.attachments.entries()) {
        if (a?.contentType !== "application/vnd.microsoft.card.adaptive")
          return triggerError(
            400,
            "TriggerInputSchemaMismatch",
            `attachments[${i}].contentType must be application/vnd.microsoft.card.adaptive.`,
          );
        const checked = checkAdaptiveCard(a.content);
        if (checked.problems.length) return triggerError(400, "InvalidAdaptiveCard", checked.problems.join("; "));
        cards.push({ card: a.content, text: checked.text });
      }
      const runId = `0858${String(state.nextRun++).padStart(8, "0")}SANDBOX`;
      for (const c of cards) workflow.posts.push({ runId, at: new Date().toISOString(), ...c });
      return new Response(null, { status: 202, headers: { "x-ms-workflow-run-id": runId } });
    },
  });
}
