import { getFormProps, getSelectProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import * as z from "zod";
import { CsrfInput } from "~/components/csrf";
import { ErrorList, Field, FormAlert, SubmitButton, VALIDATE_ON } from "~/components/forms";
import { LocalTime } from "~/components/local-time";
import { Modal } from "~/components/modal";
import { endpointDeps, userCaller } from "~/lib/deps.server";
import { clientIp } from "~/lib/http/client-ip";
import { notFound } from "~/lib/http/responses";
import { companyLimitResponse } from "~/lib/security/limits.server";
import { getEndpoint } from "~/lib/webhooks/endpoints.server";
import { MAX_REPLAY_EVENTS } from "~/lib/webhooks/receiver-tools";
import { type ReplayMessage, replayQueries, startReplay, toSendView, toSummary } from "~/lib/webhooks/replay-anywhere.server";
import { checkWebhookUrl, describeUrlRule, guardPolicy } from "~/lib/webhooks/url-guard";
import { requireAdmin, requireAdminWith } from "~/sessions.server";

export const handle = { access: "admin" };
export const meta: MetaFunction = () => [{ title: "Replay to another URL · Integrations" }];

/** A datetime-local value, read as UTC (the form says so: the server cannot know the browser's zone). */
const utcMinute = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, "Enter a date and time.")
  .refine((s) => !Number.isNaN(Date.parse(`${s}Z`)), "Enter a real date and time.");

const ReplayFormSchema = z
  .object({
    intent: z.literal("replay"),
    url: z.string({ error: "Enter the URL to send the copies to." }).trim().min(1, "Enter the URL to send the copies to.").max(2048),
    scope: z.enum(["one", "range"], "Choose one delivery or a time range."),
    delivery: z.string().max(100).optional(),
    from: utcMinute.optional(),
    to: utcMinute.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.scope === "one" && !v.delivery) ctx.addIssue({ code: "custom", path: ["delivery"], message: "Choose a delivery." });
    if (v.scope === "range") {
      if (!v.from) ctx.addIssue({ code: "custom", path: ["from"], message: "Enter the start of the range." });
      if (!v.to) ctx.addIssue({ code: "custom", path: ["to"], message: "Enter the end of the range." });
    }
  });

const minute = (d: Date) => d.toISOString().slice(0, 16);

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const replayId = url.searchParams.get("replay");
  const {
    results: [endpoints, deliveries, replays, sends],
  } = await requireAdminWith(request, context, (db, companyId) =>
    replayQueries(db, companyId, params.id!, { replayId: replayId && replayId.length <= 100 ? replayId : null }),
  );
  const endpoint = endpoints[0];
  if (!endpoint) throw notFound();
  const now = new Date();
  const shown = replays.map(toSummary);
  const selected = sends[0] ? (shown.find((r) => r.id === sends[0]!.s.replayId) ?? null) : null;
  return json(
    {
      endpoint: { id: endpoint.id, url: endpoint.url },
      policy: guardPolicy(context.cloudflare.env),
      deliveries: deliveries.map((d) => ({ ...d, createdAt: d.createdAt.toISOString() })),
      preselected: url.searchParams.get("delivery"),
      defaults: { from: minute(new Date(now.getTime() - 24 * 3600_000)), to: minute(now) },
      replays: shown,
      selected,
      sends: sends.map(toSendView),
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const env = context.cloudflare.env;
  const deps = await endpointDeps(env, userCaller(user, clientIp(request)));
  if (!(await getEndpoint(deps, params.id!))) throw notFound();
  const submission = parseWithZod(await request.formData(), { schema: ReplayFormSchema });
  if (submission.status !== "success") return json({ result: submission.reply() }, { status: 400 });
  // A URL the guard refuses costs no budget: say so before counting.
  const verdict = checkWebhookUrl(submission.value.url, deps.policy);
  if (!verdict.ok) return json({ result: submission.reply({ fieldErrors: { url: [verdict.reason] } }) }, { status: 400 });
  const spent = await companyLimitResponse(env, "webhook.replay", user.company.id);
  if (spent)
    return json(
      { result: submission.reply({ formErrors: [spent.message] }) },
      { status: 429, headers: { "Retry-After": String(spent.retryAfter) } },
    );
  const v = submission.value;
  const input =
    v.scope === "one" ? { url: v.url, deliveryId: v.delivery! } : { url: v.url, from: new Date(`${v.from}Z`), to: new Date(`${v.to}Z`) };
  const result = await startReplay({ ...deps, queue: env.DELIVERIES as unknown as Queue<ReplayMessage> }, params.id!, input);
  if (!result.ok) {
    if (result.status === 404) throw notFound();
    const { delivery_id, "": form, ...rest } = result.errors;
    return json(
      { result: submission.reply({ formErrors: form ?? [], fieldErrors: { ...rest, ...(delivery_id ? { delivery: delivery_id } : {}) } }) },
      { status: 400 },
    );
  }
  return redirect(`/integrations/developers/webhooks/${params.id}/replay?replay=${result.value.id}`);
}

const SEND_STYLE: Record<string, string> = {
  succeeded: "bg-green-100 text-green-800",
  failed: "bg-red-100 text-red-800",
  pending: "bg-amber-100 text-amber-900",
};

export default function ReplayElsewhere() {
  const { endpoint, policy, deliveries, preselected, defaults, replays, selected, sends } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const base = `/integrations/developers/webhooks/${endpoint.id}`;
  const [form, fields] = useForm({
    lastResult: actionData?.result,
    defaultValue: { url: "", scope: preselected ? "one" : "range", delivery: preselected ?? deliveries[0]?.id ?? "", ...defaults },
    ...VALIDATE_ON,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ReplayFormSchema }),
  });
  const scope = (fields.scope.initialValue as string | undefined) ?? (preselected ? "one" : "range");
  // With JavaScript, a replay still sending refreshes itself; without, the Refresh link does.
  const revalidator = useRevalidator();
  const pending = selected ? selected.pending > 0 : false;
  useEffect(() => {
    if (!pending) return;
    const t = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 2000);
    return () => clearInterval(t);
  }, [pending, revalidator]);
  return (
    <Modal title="Replay to another URL" closeTo={base} size="lg">
      <div className="space-y-6 text-sm">
        <p>
          Sends copies of this endpoint&rsquo;s deliveries (<span className="break-all font-mono">{endpoint.url}</span>) to another URL, for
          example a staging receiver. Each copy is signed with this endpoint&rsquo;s secret and keeps its event id as{" "}
          <code className="font-mono">webhook-id</code>. This endpoint&rsquo;s delivery log and counters are not touched, and copies are
          sent once, without retries. At most {MAX_REPLAY_EVENTS} deliveries per replay.
        </p>
        <Form method="post" {...getFormProps(form)} className="space-y-4">
          <CsrfInput />
          <input type="hidden" name="intent" value="replay" />
          <FormAlert id={form.errorId} errors={form.errors} />
          <Field
            meta={fields.url}
            type="url"
            label="Send to URL *"
            hint={describeUrlRule(policy)}
            inputProps={{ className: "font-mono", placeholder: "https://staging.example.com/webhooks", autoComplete: "off" }}
          />
          <fieldset className="space-y-3" aria-describedby={fields.scope.errors ? fields.scope.errorId : undefined}>
            <legend className="label">What to replay *</legend>
            <div className="rounded-md border border-slate-200 p-3">
              <label className="flex items-center gap-2">
                <input type="radio" name={fields.scope.name} value="one" defaultChecked={scope === "one"} className="size-4" />
                One delivery
              </label>
              {deliveries.length ? (
                <div className="mt-2">
                  <label htmlFor={fields.delivery.id} className="label">
                    Delivery
                  </label>
                  <select
                    {...getSelectProps(fields.delivery)}
                    key={fields.delivery.key}
                    className="input"
                    aria-describedby={fields.delivery.errors ? fields.delivery.errorId : undefined}
                  >
                    {deliveries.map((d) => (
                      <option key={d.id} value={d.id}>
                        {d.eventType} · {d.createdAt.slice(0, 16).replace("T", " ")} UTC · {d.status}
                      </option>
                    ))}
                  </select>
                  <ErrorList id={fields.delivery.errorId} errors={fields.delivery.errors} />
                </div>
              ) : (
                <p className="mt-1 text-slate-600">This endpoint has no deliveries yet.</p>
              )}
            </div>
            <div className="rounded-md border border-slate-200 p-3">
              <label className="flex items-center gap-2">
                <input type="radio" name={fields.scope.name} value="range" defaultChecked={scope === "range"} className="size-4" />
                Every delivery created in a time range (UTC)
              </label>
              <div className="mt-2 grid gap-3 sm:grid-cols-2">
                <Field meta={fields.from} type="datetime-local" label="From (UTC)" />
                <Field meta={fields.to} type="datetime-local" label="To (UTC)" />
              </div>
            </div>
            <ErrorList id={fields.scope.errorId} errors={fields.scope.errors} />
          </fieldset>
          <div className="flex flex-wrap justify-end gap-2 border-t border-slate-200 pt-4">
            <Link to={base} className="btn-secondary">
              Back to the endpoint
            </Link>
            <SubmitButton busyText="Replaying…">Replay</SubmitButton>
          </div>
        </Form>

        <section aria-labelledby="replays-heading" className="space-y-3">
          <h3 id="replays-heading" className="text-base font-semibold">
            Recent replays
          </h3>
          {replays.length === 0 ? <p className="text-slate-600">No replays yet.</p> : null}
          <ul className="space-y-2">
            {replays.map((r) => (
              <li key={r.id} className={`rounded-md border p-2 ${selected?.id === r.id ? "border-brand-500" : "border-slate-200"}`}>
                <p className="break-all font-mono">{r.url}</p>
                <p>
                  {r.deliveryId ? "One delivery" : `Deliveries from ${minuteText(r.rangeFrom)} to ${minuteText(r.rangeTo)} UTC`} ·{" "}
                  <LocalTime value={r.createdAt} /> by {r.createdBy}
                </p>
                <p>
                  {r.total} to send: {r.succeeded} succeeded, {r.failed} failed, {r.pending} pending ·{" "}
                  <Link className="underline" to={`?replay=${r.id}`} aria-label={`Show the copies of the replay to ${r.url}`}>
                    {selected?.id === r.id ? "Refresh" : "Show copies"}
                  </Link>
                </p>
              </li>
            ))}
          </ul>
          {selected ? (
            <div>
              <h4 className="font-medium">{`Copies sent to ${selected.url}`}</h4>
              <ul className="mt-2 divide-y divide-slate-200 rounded-md border border-slate-200">
                {sends.map((s) => (
                  <li key={s.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 p-2">
                    <code className="font-mono">{s.eventType ?? "(deleted event)"}</code>
                    <span className={`badge ${SEND_STYLE[s.status] ?? ""}`}>{s.status}</span>
                    <span>HTTP {s.statusCode ?? "—"}</span>
                    {s.durationMs !== null ? <span>{s.durationMs} ms</span> : null}
                    <span className="break-all font-mono text-slate-600">{s.eventId}</span>
                    {s.error ? <span className="w-full text-red-700">{s.error}</span> : null}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
        </section>
      </div>
    </Modal>
  );
}

function minuteText(iso: string | null) {
  return iso ? iso.slice(0, 16).replace("T", " ") : "—";
}
