import { parseWithZod } from "@conform-to/zod/v4";
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import * as z from "zod";
import { ActivityList } from "~/components/activity-list";
import { ConnectionFacts } from "~/components/connection-facts";
import { Modal } from "~/components/modal";
import { redirectWithFlash } from "~/flash.server";
import { adminWithRequiredConnection, connectDeps, requireConnection } from "~/integration-routes.server";
import { userActor } from "~/lib/audit.server";
import { clientIp } from "~/lib/http/client-ip";
import { zapierProvider } from "~/lib/integrations/zapier/account.server";
import { activeZapsLine, listZapierActivity, listZapierSubscriptions, unsubscribeHook } from "~/lib/integrations/zapier/hooks.server";
import { requireAdmin } from "~/sessions.server";
import { SubscriptionList } from "./subscription-list";

/** Configure Zapier: the subscriptions Zapier made (event, target host, last delivery) with Remove, and the deliveries to them. */
export const handle = { access: "admin" };

const SELF = "/integrations/zapier/configure";

export const meta: MetaFunction = () => [{ title: "Configure Zapier · Integrations" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  // one D1 round trip: the admin, the connection, the subscriptions and the activity in the request's batch
  const {
    connection,
    extras: [subscriptions, activity],
  } = await adminWithRequiredConnection(request, context, zapierProvider.id, (db, companyId) => [
    listZapierSubscriptions({ db, companyId }),
    listZapierActivity({ db, companyId }),
  ]);
  return json({
    activity,
    accountLabel: connection.accountLabel,
    connectedByEmail: connection.connectedByEmail,
    connectedAt: connection.connectedAt.toISOString(),
    summary: activeZapsLine(subscriptions.filter((s) => s.status === "active").length),
    subscriptions: subscriptions.map((s) => ({
      id: s.id,
      event: s.event,
      targetHost: s.targetHost,
      status: s.status,
      createdAt: s.createdAt.toISOString(),
      lastDelivery: s.lastDelivery
        ? { status: s.lastDelivery.status, statusCode: s.lastDelivery.statusCode, at: s.lastDelivery.at?.toISOString() ?? null }
        : null,
    })),
  });
}

const ZapierIntent = z.discriminatedUnion("intent", [z.object({ intent: z.literal("remove"), id: z.string().min(1).max(100) })]);

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  await requireConnection(context, user, zapierProvider);
  const submission = parseWithZod(await request.formData(), { schema: ZapierIntent });
  if (submission.status !== "success") return json({ error: "Unknown action." }, { status: 400 });
  const { id } = submission.value;
  const outcome = await unsubscribeHook(
    { db: connectDeps(context).db, companyId: user.company.id, actor: userActor(user), now: new Date(), ip: clientIp(request) },
    id,
  );
  // Already removed (by Zapier, or a second click): the list simply no longer has it.
  if (outcome === "missing") throw new Response("There is no such Zapier subscription.", { status: 404 });
  return redirectWithFlash(context.cloudflare.env, SELF, "Zapier subscription removed. That Zap no longer receives events.");
}

export default function ZapierConfigure() {
  const data = useLoaderData<typeof loader>();
  return (
    <Modal title="Configure Zapier" closeTo="/integrations" size="lg">
      <ConnectionFacts
        account={data.accountLabel ? { label: "Connected with", value: data.accountLabel } : null}
        connectedByEmail={data.connectedByEmail}
        connectedAt={data.connectedAt}
      />
      <hr className="my-4 border-slate-200" />
      <h3 className="font-medium text-slate-900">
        Subscriptions <span className="font-normal text-slate-600">· {data.summary}</span>
      </h3>
      <p className="mt-1 text-sm text-slate-700">
        Each Zap that is on subscribes to one event. Removing one here stops its deliveries; Zapier shows the Zap as needing attention.
      </p>
      <SubscriptionList subscriptions={data.subscriptions} />
      {/* failed deliveries are retried on the webhook schedule; the list shows where each stands */}
      <ActivityList
        provider="zapier"
        providerName="Zapier"
        items={data.activity}
        canRetry={false}
        emptyText="Nothing sent yet. Each event a Zap subscribed to is delivered to Zapier and listed here."
      />
      <div className="mt-6 flex flex-wrap justify-end gap-2 border-t border-slate-200 pt-4">
        <Link to="/integrations/zapier/disconnect?from=configure" className="btn-danger-outline">
          Disconnect
        </Link>
        <Link to="/integrations/zapier/connect" className="btn-secondary">
          New Zapier key
        </Link>
        <Link to="/integrations" className="btn-primary">
          Done
        </Link>
      </div>
    </Modal>
  );
}
