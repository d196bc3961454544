import { parseWithZod } from "@conform-to/zod/v4";
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import * as z from "zod";
import { CsrfInput } from "~/components/csrf";
import { LocalTime } from "~/components/local-time";
import { Modal } from "~/components/modal";
import { redirectWithFlash } from "~/flash.server";
import { deliveryDeps, endpointDeps, userCaller } from "~/lib/deps.server";
import { clientIp } from "~/lib/http/client-ip";
import { notFound } from "~/lib/http/responses";
import { deliveryHistoryNote, retentionWindows } from "~/lib/retention";
import { keyringFromEnv } from "~/lib/security/encryption";
import { companyLimitResponse, type LimitBucket } from "~/lib/security/limits.server";
import { latestAttempt, listDeliveries, replayFailedSince, resendDelivery, sendTestEvent } from "~/lib/webhooks/deliveries.server";
import { getEndpoint, reenableEndpoint, rotateSecret } from "~/lib/webhooks/endpoints.server";
import { stashSecretReveal, takeSecretReveal } from "~/lib/webhooks/reveal.server";
import { requireAdmin, requireAdminWith } from "~/sessions.server";
import { DeliveriesTable } from "./deliveries-table";
import { SecretReveal, TestResultPanel } from "./panels";
import { ReceiverTools } from "./receiver-tools";

export const handle = { access: "admin" };
export const meta: MetaFunction = () => [{ title: "Webhook endpoint · Integrations" }];

const REPLAY_WINDOWS = { "1h": 3600, "6h": 6 * 3600, "24h": 86400, "3d": 3 * 86400, "7d": 7 * 86400, "30d": 30 * 86400 } as const;

type ReplayWindow = keyof typeof REPLAY_WINDOWS;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const env = context.cloudflare.env;
  const url = new URL(request.url);
  const testId = url.searchParams.get("test");
  // one D1 round trip: the admin check, the endpoint, a page of deliveries with their attempts, and the Test result
  const {
    user,
    results: [endpoint, list, test],
  } = await requireAdminWith(request, context, (db, companyId) => {
    const scope = { db, companyId };
    return [
      getEndpoint(scope, params.id!),
      listDeliveries(scope, params.id!, { limit: 25, before: url.searchParams.get("before") }),
      testId ? latestAttempt(scope, testId) : null,
    ] as const;
  });
  if (!endpoint || !list.ok) throw notFound();
  let secret: string | null = null;
  if (url.searchParams.has("created") || url.searchParams.has("rotated")) {
    secret = await takeSecretReveal({
      kv: env.KV,
      ring: await keyringFromEnv(env),
      companyId: user.company.id,
      userId: user.id,
      endpointId: endpoint.id,
    });
  }
  const replayed = url.searchParams.get("replayed");
  return json(
    {
      endpoint,
      deliveries: list.value.data,
      nextCursor: list.value.nextCursor,
      secret,
      test: test ?? null,
      replayed,
      resent: url.searchParams.has("resent"),
      historyNote: deliveryHistoryNote(retentionWindows(env)),
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}

const DetailIntent = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("test") }),
  z.object({ intent: z.literal("resend"), deliveryId: z.string({ error: "That delivery was not found." }).max(100) }),
  z.object({
    intent: z.literal("replay"),
    since: z.enum(Object.keys(REPLAY_WINDOWS) as [ReplayWindow, ...ReplayWindow[]], "Choose how far back to replay."),
  }),
  z.object({ intent: z.literal("rotate") }),
  z.object({ intent: z.literal("reenable") }),
]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const env = context.cloudflare.env;
  const deps = await endpointDeps(env, userCaller(user, clientIp(request)));
  const id = params.id!;
  const endpoint = await getEndpoint(deps, id);
  if (!endpoint) throw notFound();
  const submission = parseWithZod(await request.formData(), { schema: DetailIntent });
  if (submission.status !== "success") return json({ error: firstError(submission.error) ?? "Unknown action." }, { status: 400 });
  const here = `/integrations/developers/webhooks/${id}`;
  const input = submission.value;
  // outbound work is budgeted per company (Test, Resend and Replay POST to a URL of the admin's choosing)
  const bucket: LimitBucket | null =
    input.intent === "test"
      ? "webhook.test"
      : input.intent === "resend"
        ? "webhook.resend"
        : input.intent === "replay"
          ? "webhook.replay"
          : null;
  if (bucket) {
    const spent = await companyLimitResponse(env, bucket, user.company.id);
    if (spent) return json({ error: spent.message }, { status: 429, headers: { "Retry-After": String(spent.retryAfter) } });
  }
  switch (input.intent) {
    case "test": {
      const result = await sendTestEvent({ ...deps, attempt: await deliveryDeps(env) }, id);
      if (!result.ok) throw notFound();
      return redirect(`${here}?test=${result.value.deliveryId}`);
    }
    case "resend": {
      const result = await resendDelivery({ ...deps, queue: env.DELIVERIES }, input.deliveryId, { endpointId: id });
      if (!result.ok) return json({ error: "That delivery was not found." }, { status: 400 });
      return redirect(`${here}?resent=1`);
    }
    case "replay": {
      const since = new Date(deps.now.getTime() - REPLAY_WINDOWS[input.since] * 1000);
      const result = await replayFailedSince({ ...deps, queue: env.DELIVERIES }, id, since);
      if (!result.ok) {
        if (result.status === 404) throw notFound();
        return json({ error: "Choose how far back to replay." }, { status: 400 });
      }
      return redirect(`${here}?replayed=${result.value.count}`);
    }
    case "rotate": {
      const result = await rotateSecret(deps, id);
      if (!result.ok) {
        if (result.status === 404) throw notFound();
        return json({ error: Object.values(result.errors).flat()[0] ?? "The secret could not be rotated." }, { status: 400 });
      }
      await stashSecretReveal(
        { kv: env.KV, ring: deps.ring, companyId: user.company.id, userId: user.id, endpointId: id },
        result.value.secret,
      );
      return redirect(`${here}?rotated=1`);
    }
    case "reenable": {
      const result = await reenableEndpoint(deps, id);
      if (!result.ok) throw notFound();
      return redirectWithFlash(env, here, `${endpoint.url} is enabled again. New events are delivered to it.`);
    }
  }
}

function firstError(error: Record<string, string[] | null> | null | undefined) {
  const messages = Object.entries(error ?? {})
    .filter(([key]) => key !== "intent")
    .flatMap(([, list]) => list ?? []);
  return messages[0];
}

export default function WebhookDetail() {
  const { endpoint, deliveries, nextCursor, secret, test, replayed, resent, historyNote } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const base = `/integrations/developers/webhooks/${endpoint.id}`;
  return (
    <Modal title="Webhook endpoint" closeTo="/integrations/developers" size="lg">
      <div className="space-y-5 text-sm">
        {actionData && "error" in actionData ? (
          <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-red-800">
            {actionData.error}
          </p>
        ) : null}
        {secret ? <SecretReveal secret={secret} /> : null}
        {test ? <TestResultPanel test={test} /> : null}
        {replayed !== null ? (
          <p role="status" className="rounded-md bg-slate-100 px-3 py-2">
            {replayed} failed deliver{replayed === "1" ? "y" : "ies"} queued again.
          </p>
        ) : null}
        {resent ? (
          <p role="status" className="rounded-md bg-slate-100 px-3 py-2">
            The delivery was queued again.
          </p>
        ) : null}
        <div>
          <p className="break-all font-mono font-medium">{endpoint.url}</p>
          {endpoint.description ? <p className="text-slate-600">{endpoint.description}</p> : null}
          <p className="mt-1">Events: {endpoint.events.join(", ")}</p>
          <p className="mt-1">
            Status:{" "}
            {endpoint.status === "active" ? "● Active" : <>● Disabled{endpoint.disabledReason ? ` — ${endpoint.disabledReason}` : ""}</>}
          </p>
          {endpoint.rotationEndsAt ? (
            <p className="mt-1 text-amber-800">
              The previous secret keeps signing until <LocalTime value={endpoint.rotationEndsAt} /> (
              <LocalTime value={endpoint.rotationEndsAt} style="relative" />
              ).
            </p>
          ) : null}
        </div>
        <div className="flex flex-wrap gap-2">
          <Form method="post">
            <CsrfInput />
            <input type="hidden" name="intent" value="test" />
            <button type="submit" className="btn-primary">
              Send test event
            </button>
          </Form>
          <Form method="post">
            <CsrfInput />
            <input type="hidden" name="intent" value="rotate" />
            <button type="submit" className="btn-secondary">
              Rotate secret
            </button>
          </Form>
          {endpoint.status === "disabled" ? (
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="intent" value="reenable" />
              <button type="submit" className="btn-secondary">
                Re-enable
              </button>
            </Form>
          ) : null}
          <Link to={`${base}/edit`} className="btn-secondary">
            Edit
          </Link>
          <Link to={`${base}/delete`} className="btn-danger-outline">
            Delete
          </Link>
        </div>
        <ReceiverTools base={base} />
        <Form method="post" className="flex flex-wrap items-end gap-2">
          <CsrfInput />
          <input type="hidden" name="intent" value="replay" />
          <div>
            <label htmlFor="replay-since" className="label">
              Replay failed deliveries since
            </label>
            <select id="replay-since" name="since" className="input" defaultValue="24h">
              <option value="1h">1 hour ago</option>
              <option value="6h">6 hours ago</option>
              <option value="24h">24 hours ago</option>
              <option value="3d">3 days ago</option>
              <option value="7d">7 days ago</option>
              <option value="30d">30 days ago</option>
            </select>
          </div>
          <button type="submit" className="btn-secondary">
            Replay failed
          </button>
        </Form>
        <h3 className="text-base font-semibold">Deliveries</h3>
        <p className="text-sm text-slate-600">{historyNote}</p>
        <DeliveriesTable deliveries={deliveries} />
        {nextCursor ? (
          <Link className="underline" to={`${base}?before=${nextCursor}`}>
            Older deliveries
          </Link>
        ) : null}
      </div>
    </Modal>
  );
}
