import { parseWithZod } from "@conform-to/zod/v4";
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, redirect } from "@remix-run/cloudflare";
import * as z from "zod";
import { connectDeps, requireConnection, requireProvider } from "~/integration-routes.server";
import { userActor } from "~/lib/audit.server";
import { clientIp } from "~/lib/http/client-ip";
import { notFound } from "~/lib/http/responses";
import { retryActivity } from "~/lib/integrations/activity.server";
import { requireAdmin } from "~/sessions.server";

export const handle = { access: "admin" };

const ActivityIntent = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("retry"), deliveryId: z.string({ error: "That action was not found." }).max(100) }),
]);

/** Retry of a failed action from a connection's activity list (POST only; back to Configure). */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireAdmin(request, context);
  const provider = requireProvider(params.provider);
  await requireConnection(context, user, provider);
  const submission = parseWithZod(await request.formData(), { schema: ActivityIntent });
  if (submission.status !== "success") return json({ error: "Unknown action." }, { status: 400 });
  const deps = connectDeps(context);
  const result = await retryActivity(
    {
      db: deps.db,
      queue: context.cloudflare.env.DELIVERIES,
      now: deps.now(),
      companyId: user.company.id,
      actor: userActor(user),
      ip: clientIp(request),
    },
    { provider: provider.id, deliveryId: submission.value.deliveryId },
  );
  if (result === "not_found") throw notFound("That action was not found.");
  if (result === "not_failed") return json({ error: "Only a failed action can be retried." }, { status: 400 });
  return redirect(`/integrations/${provider.id}/configure?retried=1`);
}

/** The list itself lives on the Configure screen. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  return redirect(`/integrations/${requireProvider(params.provider).id}/configure`);
}
