import { and, desc, eq } from "drizzle-orm";
import { auditInsert } from "../audit.server";
import type { Db } from "../db/client";
import { receiverChecks, webhookEndpoints } from "../db/schema";
import { newId } from "../ids";
import { type AttemptDeps, type AttemptOutcome, guardedPost, USER_AGENT } from "./attempt.server";
import { type EndpointDeps, findEndpointRow, type Result, signingSecrets } from "./endpoints.server";
import {
  RECEIVER_CHECK_NAMES,
  type ReceiverCheck,
  type ReceiverCheckName,
  type ReceiverVerdict,
  STALE_AGE_SECONDS,
  TIMESTAMP_TOLERANCE_SECONDS,
} from "./receiver-tools";
import { buildWebhookBody, generateSecret, signWebhook } from "./signing";

/**
 * "Verify my receiver" (issue 18, docs/decisions/0085-verify-and-replay-anywhere.md): three
 * synthetic `webhook.test` deliveries to the endpoint's URL, through the URL guard and signed by
 * the same signer as every delivery. A correct receiver accepts the first (2xx) and refuses the
 * other two (any answer but 2xx). They never enter the delivery log, so the expected refusals do
 * not start the endpoint's auto-disable clock; the verdict is kept in receiver_checks.
 */
export type SendDeps = Pick<AttemptDeps, "env" | "fetch" | "resolve" | "now" | "timeoutMs">;
export type VerifyDeps = EndpointDeps & { send: SendDeps };

const PURPOSE: Record<ReceiverCheckName, string> = {
  signed: "correctly signed: your receiver should accept it with a 2xx.",
  bad_signature: "signed with the wrong secret: your receiver should refuse it.",
  stale_timestamp: `correctly signed, with a timestamp ${STALE_AGE_SECONDS / 60} minutes old: your receiver should refuse it.`,
};

/** Sends the three checks (at once) and records the verdict with its audit row. */
export async function verifyReceiver(deps: VerifyDeps, endpointId: string): Promise<Result<ReceiverVerdict & { id: string }>> {
  const endpoint = await findEndpointRow(deps.db, deps.companyId, endpointId);
  if (!endpoint) return { ok: false, status: 404 };
  const now = deps.send.now();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  let secrets: string[];
  try {
    secrets = await signingSecrets(deps.ring, endpoint, now);
  } catch {
    return { ok: false, status: 400, errors: { "": ["The signing secret could not be decrypted; check ENCRYPTION_KEYS."] } };
  }
  const wrongSecret = generateSecret();
  const plan: Record<ReceiverCheckName, { secrets: string[]; timestamp: number }> = {
    signed: { secrets, timestamp: nowSeconds },
    bad_signature: { secrets: [wrongSecret], timestamp: nowSeconds },
    stale_timestamp: { secrets, timestamp: nowSeconds - STALE_AGE_SECONDS },
  };
  const performedBy = {
    type: deps.actor.type === "api_key" ? ("api_key" as const) : deps.actor.type === "user" ? ("agent" as const) : ("system" as const),
    id: deps.actor.id,
    name: deps.actor.label,
  };
  const checks = await Promise.all(
    RECEIVER_CHECK_NAMES.map(async (name): Promise<ReceiverCheck> => {
      const id = newId("evt", now);
      const body = buildWebhookBody({
        id,
        type: "webhook.test",
        createdAt: now,
        companyId: deps.companyId,
        payload: {
          message: `Integrations Hub is verifying your receiver. This delivery is ${PURPOSE[name]}`,
          endpoint_id: endpoint.id,
          check: name,
        },
        performedBy,
      });
      const headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        ...(await signWebhook({ id, body, ...plan[name] })),
      };
      return judge(name, await guardedPost(deps.send, endpoint.url, headers, body));
    }),
  );
  const passed = checks.every((c) => c.passed);
  const id = newId("rck", now);
  await deps.db.batch([
    deps.db.insert(receiverChecks).values({
      id,
      companyId: deps.companyId,
      endpointId: endpoint.id,
      url: endpoint.url,
      passed,
      checks,
      createdBy: deps.actor.label ?? deps.actor.type,
      createdAt: now,
    }),
    auditInsert(deps.db, {
      companyId: deps.companyId,
      actor: deps.actor,
      action: "webhook_endpoint.verified",
      target: endpoint.id,
      details: { passed, failed: checks.filter((c) => !c.passed).map((c) => c.name) },
      ip: deps.ip ?? null,
      at: now,
    }),
  ]);
  return { ok: true, value: { id, passed, checks } };
}

type Answer = Pick<AttemptOutcome, "statusCode" | "error">;

/** The verdict on one check, in words an integrator can act on. */
export function judge(name: ReceiverCheckName, answer: Answer): ReceiverCheck {
  const status = answer.statusCode;
  if (status === null) {
    return { name, passed: false, status, detail: `Not delivered: ${answer.error ?? "the request failed."}` };
  }
  const accepted = status >= 200 && status < 300;
  const minutes = STALE_AGE_SECONDS / 60;
  const tolerance = TIMESTAMP_TOLERANCE_SECONDS / 60;
  switch (name) {
    case "signed":
      return accepted
        ? { name, passed: true, status, detail: `Accepted (HTTP ${status}): your receiver takes a correctly signed delivery.` }
        : {
            name,
            passed: false,
            status,
            detail:
              `Refused a correctly signed delivery (HTTP ${status}${status >= 300 && status < 400 ? ", and redirects are not followed" : ""}). ` +
              "Verify with this endpoint's current secret: base64-decode the part after whsec_, compute HMAC-SHA256 over " +
              '"{webhook-id}.{webhook-timestamp}.{body}" using the raw body bytes (not re-serialised JSON), and compare with each ' +
              '"v1,…" in webhook-signature.',
          };
    case "bad_signature":
      return accepted
        ? {
            name,
            passed: false,
            status,
            detail:
              `Accepted a delivery with a wrong signature (HTTP ${status}). Anyone who learns this URL can send you fake events. ` +
              "Check webhook-signature before acting on a delivery, and answer 400 or 401 when no signature matches.",
          }
        : { name, passed: true, status, detail: `Refused (HTTP ${status}): a delivery with a wrong signature is turned away.` };
    case "stale_timestamp":
      return accepted
        ? {
            name,
            passed: false,
            status,
            detail:
              `Accepted a correctly signed delivery whose webhook-timestamp was ${minutes} minutes old (HTTP ${status}). ` +
              `A captured delivery could be replayed to you later. Refuse timestamps more than ${tolerance} minutes from your clock.`,
          }
        : {
            name,
            passed: true,
            status,
            detail: `Refused (HTTP ${status}): a correctly signed delivery ${minutes} minutes old is turned away.`,
          };
  }
}

/** The endpoint and its latest check, as statements for one db.batch (the Verify page's single round trip). */
export function receiverCheckQueries(db: Db, companyId: string, endpointId: string) {
  return [
    db
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.id, endpointId)))
      .limit(1),
    db
      .select()
      .from(receiverChecks)
      .where(and(eq(receiverChecks.companyId, companyId), eq(receiverChecks.endpointId, endpointId)))
      .orderBy(desc(receiverChecks.createdAt))
      .limit(1),
  ] as const;
}
