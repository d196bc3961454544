/**
 * What the three CRM adapters (HubSpot, Salesforce, Pipedrive) do, once, over a small per-provider
 * `CrmOps`: find or create the customer's record (stored reference → the provider's search by
 * email → create under a claim, a "duplicate" answer linking the record it names), and log the
 * transcript of a closed conversation as one note that a later close updates in place.
 */
import { and, desc, eq } from "drizzle-orm";
import { conversations, messages } from "../../db/schema";
import { appBaseUrl, type Env } from "../../env";
import { fetchIdentity, ProviderError } from "../../oauth/client.server";
import type { DeliveryContext, DeliveryOutcome, EventSubscription, VerifyInput, WantsContext } from "../adapter";
import { ProviderApiError } from "../provider-http.server";
import type { OAuthSpec } from "../types";
import { buildTranscript, type TranscriptMessage } from "./transcript";

export type RemoteRecord = { id: string; url: string | null };

export type CrmOps = {
  /** Words for the activity list: "contact", "lead", "person". */
  recordName: (id: string) => string;
  searchByEmail: (email: string) => Promise<RemoteRecord | null>;
  create: (customer: { email: string; name: string | null }) => Promise<RemoteRecord>;
  /** The record a duplicate answer named (its URL), when the provider gives an id. */
  urlOf: (id: string) => string | null;
  transcript: { limit: number; format: "text" | "html" };
  createNote: (input: { contactId: string; text: string; title: string; at: Date }) => Promise<RemoteRecord>;
  updateNote: (input: { noteId: string; contactId: string; text: string; title: string }) => Promise<void>;
  noteName: string;
};

type ConversationPayload = { id: string; status: string; contact: { email: string; name: string | null }; subject: string | null };

export const CONTACT_REF = "contact";
export const TRANSCRIPT_REF = "transcript";
/** The grace window before a closed conversation's transcript is logged (reopened → nothing). */
export const transcriptGraceSeconds = (env: Env) => {
  const n = Number(env.TRANSCRIPT_GRACE_SECONDS ?? 600);
  return Number.isFinite(n) && n >= 0 ? n : 600;
};

const payloadOf = (ctx: Pick<DeliveryContext, "event">) => ctx.event.payload as ConversationPayload;
const emailKey = (email: string) => email.trim().toLowerCase();

/** A provider failure as the pipeline's outcome (401 → reauth, 429/5xx retried with Retry-After). */
export function failureOutcome(error: unknown): DeliveryOutcome {
  if (error instanceof ProviderApiError) {
    if (error.code === "invalid_host") return { ok: false, statusCode: null, gone: true, error: error.message };
    return { ok: false, statusCode: error.status, error: error.message, retryAfterSeconds: error.retryAfterSeconds };
  }
  throw error;
}

const waitForClaim = (what: string): DeliveryOutcome => ({
  ok: false,
  statusCode: null,
  retryAfterSeconds: 5,
  error: `Another delivery is creating this ${what}; trying again shortly.`,
});

/**
 * The customer's record in the CRM, created at most once per company and email.
 * "wait" when another delivery holds the claim (the caller answers a retryable outcome).
 */
export async function ensureContact(
  ctx: DeliveryContext,
  ops: CrmOps,
  customer: { email: string; name: string | null },
): Promise<(RemoteRecord & { how: "stored" | "found" | "created" | "duplicate" }) | "wait"> {
  const key = emailKey(customer.email);
  const stored = await ctx.refs.lookup(CONTACT_REF, key);
  if (stored?.remoteId) return { id: stored.remoteId, url: stored.remoteUrl, how: "stored" };
  const found = await ops.searchByEmail(customer.email);
  if (found) {
    await ctx.refs.linkExisting(CONTACT_REF, key, { remoteId: found.id, remoteUrl: found.url });
    return { ...found, how: "found" };
  }
  const claim = await ctx.refs.claim(CONTACT_REF, key);
  if (!claim.claimed) return claim.ref.remoteId ? { id: claim.ref.remoteId, url: claim.ref.remoteUrl, how: "stored" } : "wait";
  try {
    const made = await ops.create(customer);
    await ctx.refs.complete(CONTACT_REF, key, { remoteId: made.id, remoteUrl: made.url });
    return { ...made, how: "created" };
  } catch (error) {
    if (error instanceof ProviderApiError && error.duplicateId) {
      const url = ops.urlOf(error.duplicateId);
      await ctx.refs.linkExisting(CONTACT_REF, key, { remoteId: error.duplicateId, remoteUrl: url });
      return { id: error.duplicateId, url, how: "duplicate" };
    }
    await ctx.refs.release(CONTACT_REF, key);
    throw error;
  }
}

const HOW: Record<"stored" | "found" | "created" | "duplicate", string> = {
  stored: "Already linked to",
  found: "Linked existing",
  created: "Created",
  duplicate: "Linked existing (the CRM reported a duplicate)",
};

export async function syncContact(ctx: DeliveryContext, ops: CrmOps): Promise<DeliveryOutcome> {
  const { contact } = payloadOf(ctx);
  // A phone-only contact (WhatsApp) has nothing to find or create a CRM record by.
  if (!contact.email) return { ok: false, statusCode: null, gone: true, error: "Not synced: the contact has no email address." };
  try {
    const record = await ensureContact(ctx, ops, contact);
    if (record === "wait") return waitForClaim(ops.recordName(""));
    return {
      ok: true,
      statusCode: 200,
      summary: `${HOW[record.how]} ${ops.recordName(record.id)} ${contact.email}`,
      remote: { url: record.url, label: contact.email },
    };
  } catch (error) {
    return failureOutcome(error);
  }
}

/** The newest `limit` messages of a conversation, oldest first. */
async function transcriptMessages(ctx: DeliveryContext, conversationId: string, limit = 500): Promise<TranscriptMessage[]> {
  const rows = await ctx.db
    .select({ author: messages.authorKind, authorName: messages.authorName, body: messages.body, createdAt: messages.createdAt })
    .from(messages)
    .where(and(eq(messages.companyId, ctx.event.companyId), eq(messages.conversationId, conversationId)))
    .orderBy(desc(messages.id))
    .limit(limit);
  return rows.reverse();
}

export async function logTranscript(ctx: DeliveryContext, ops: CrmOps): Promise<DeliveryOutcome> {
  const p = payloadOf(ctx);
  if (ctx.connection.settings.log_transcripts === false)
    return { ok: false, statusCode: null, gone: true, error: "Not logged: transcripts are turned off in the settings." };
  const conversation = await ctx.db
    .select()
    .from(conversations)
    .where(and(eq(conversations.companyId, ctx.event.companyId), eq(conversations.id, p.id)))
    .get();
  if (!conversation) return { ok: false, statusCode: null, gone: true, error: "The conversation no longer exists." };
  if (conversation.status !== "closed")
    return { ok: false, statusCode: null, gone: true, error: "Not logged: the conversation was reopened within the grace window." };
  const list = await transcriptMessages(ctx, conversation.id);
  if (!list.some((m) => m.author === "contact"))
    return { ok: false, statusCode: null, gone: true, error: "Not logged: the customer wrote no message." };
  if (!conversation.contactEmail)
    return { ok: false, statusCode: null, gone: true, error: "Not logged: the contact has no email address to find the CRM record by." };
  const customer = { email: conversation.contactEmail, name: conversation.contactName };
  const title = `Chat transcript: ${conversation.subject?.trim() || customer.name || customer.email}`;
  const text = buildTranscript({
    contact: customer,
    subject: conversation.subject,
    link: `${appBaseUrl(ctx.env)}/conversations/${conversation.id}`,
    messages: list,
    ...ops.transcript,
  });
  try {
    const contact = await ensureContact(ctx, ops, customer);
    if (contact === "wait") return waitForClaim(ops.recordName(""));
    const stored = await ctx.refs.lookup(TRANSCRIPT_REF, conversation.id);
    if (stored?.remoteId) {
      await ops.updateNote({ noteId: stored.remoteId, contactId: contact.id, text, title });
      return {
        ok: true,
        statusCode: 200,
        summary: `Updated the transcript ${ops.noteName} on ${ops.recordName(contact.id)} ${customer.email}`,
        remote: { url: stored.remoteUrl ?? contact.url, label: ops.noteName },
      };
    }
    const claim = await ctx.refs.claim(TRANSCRIPT_REF, conversation.id);
    if (!claim.claimed) {
      if (!claim.ref.remoteId) return waitForClaim(ops.noteName);
      await ops.updateNote({ noteId: claim.ref.remoteId, contactId: contact.id, text, title });
      return {
        ok: true,
        statusCode: 200,
        summary: `Updated the transcript ${ops.noteName} on ${ops.recordName(contact.id)} ${customer.email}`,
        remote: { url: claim.ref.remoteUrl ?? contact.url, label: ops.noteName },
      };
    }
    let note: RemoteRecord;
    try {
      note = await ops.createNote({ contactId: contact.id, text, title, at: conversation.closedAt ?? ctx.now() });
    } catch (error) {
      await ctx.refs.release(TRANSCRIPT_REF, conversation.id);
      throw error;
    }
    const url = note.url ?? contact.url;
    await ctx.refs.complete(TRANSCRIPT_REF, conversation.id, { remoteId: note.id, remoteUrl: url });
    return {
      ok: true,
      statusCode: 201,
      summary: `Logged the transcript as a ${ops.noteName} on ${ops.recordName(contact.id)} ${customer.email}`,
      remote: { url, label: ops.noteName },
    };
  } catch (error) {
    return failureOutcome(error);
  }
}

/** The two subscriptions every CRM adapter has; `ops` is built per delivery from the connection. */
export function crmSubscriptions(makeOps: (ctx: DeliveryContext) => CrmOps): {
  "conversation.created": EventSubscription;
  "conversation.closed": EventSubscription;
} {
  return {
    "conversation.created": { deliver: (ctx) => withOps(ctx, makeOps, syncContact) },
    "conversation.closed": {
      delaySeconds: transcriptGraceSeconds,
      wants: ({ connection }: WantsContext) => connection.settings.log_transcripts !== false,
      deliver: (ctx) => withOps(ctx, makeOps, logTranscript),
    },
  };
}

async function withOps(
  ctx: DeliveryContext,
  makeOps: (ctx: DeliveryContext) => CrmOps,
  run: (ctx: DeliveryContext, ops: CrmOps) => Promise<DeliveryOutcome>,
) {
  let ops: CrmOps;
  try {
    ops = makeOps(ctx);
  } catch (error) {
    return failureOutcome(error);
  }
  return run(ctx, ops);
}

/** The OAuth identity call (label and id of the connected account), as a connect-time check. */
export async function verifiedIdentity(
  input: VerifyInput,
  spec: OAuthSpec | undefined,
): Promise<{ ok: true; label: string | null; id: string | null } | { ok: false; fieldErrors: Record<string, string[]> }> {
  if (!spec) return { ok: true, label: null, id: null };
  try {
    const who = await fetchIdentity({ fetch: input.fetch }, spec, input.env, input.token ?? "");
    return { ok: true, label: who.label, id: who.id };
  } catch (error) {
    if (error instanceof ProviderError)
      return { ok: false, fieldErrors: { "": [`The account could not be read (${error.message}). Please try again.`] } };
    throw error;
  }
}
