import type { Db } from "../db/client";
import { AUTO_DISABLE_REASON } from "./auto-disable.server";
import { successRates } from "./deliveries.server";
import { type EndpointView, listEndpoints } from "./endpoints.server";

export type WebhooksSectionData = {
  endpoints: (EndpointView & { rates: (number | null)[] })[];
  autoDisabled: { id: string; url: string }[];
};

/** Everything the Webhooks section of the API & Webhooks tab shows, for one company. */
export async function webhooksSection({ db, companyId, now }: { db: Db; companyId: string; now: Date }): Promise<WebhooksSectionData> {
  const [endpoints, rates] = await Promise.all([listEndpoints({ db, companyId }, now), successRates({ db, companyId }, now)]);
  return {
    endpoints: endpoints.map((e) => ({ ...e, rates: rates.get(e.id) ?? Array.from({ length: 24 }, () => null) })),
    autoDisabled: endpoints
      .filter((e) => e.status === "disabled" && e.disabledReason === AUTO_DISABLE_REASON)
      .map((e) => ({ id: e.id, url: e.url })),
  };
}
