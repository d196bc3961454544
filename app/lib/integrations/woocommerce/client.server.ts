/**
 * The WooCommerce REST API v3 calls the adapter makes on the store URL the admin typed (guarded
 * like a webhook URL before every call), with a read-only REST key as HTTP Basic credentials
 * (consumer key : consumer secret): one order to check the key, then a customer's recent orders
 * (`search` matches the billing email among other fields, so results are kept only when the
 * billing email is the customer's). Tracking comes from the Shipment Tracking extension's
 * `_wc_shipment_tracking_items` meta when the store has it.
 */
import { encodeBase64 } from "@oslojs/encoding";
import type { StoreOrder } from "../adapter";
import { type ClientDeps, type ErrorReader, field, requestJson } from "../provider-http.server";

const readError: ErrorReader = (status, body) => ({ message: field(body, "message") ?? `HTTP ${status}`, code: field(body, "code") });

type WooOrder = {
  id: number;
  number: string;
  status: string;
  currency: string;
  total: string;
  date_created_gmt: string;
  date_paid_gmt: string | null;
  billing?: { email?: string };
  meta_data?: { key: string; value: unknown }[];
};
type TrackingItem = {
  tracking_provider?: string;
  custom_tracking_provider?: string;
  tracking_number?: string;
  custom_tracking_link?: string;
};

export function wooClient(deps: ClientDeps & { base: string; key: string; secret: string }) {
  const auth = `Basic ${encodeBase64(new TextEncoder().encode(`${deps.key}:${deps.secret}`))}`;
  const get = <T>(path: string) =>
    requestJson<T>(
      deps,
      "WooCommerce",
      { method: "GET", url: `${deps.base}/wp-json/wc/v3${path}`, headers: { Authorization: auth } },
      readError,
    );
  return {
    async check(): Promise<void> {
      await get("/orders?per_page=1");
    },
    async ordersByEmail(email: string, limit: number): Promise<StoreOrder[]> {
      const q = new URLSearchParams({ search: email, per_page: String(Math.min(limit * 2, 100)), orderby: "date", order: "desc" });
      const { data } = await get<WooOrder[]>(`/orders?${q}`);
      const want = email.trim().toLowerCase();
      return (Array.isArray(data) ? data : [])
        .filter((o) => (o.billing?.email ?? "").trim().toLowerCase() === want)
        .slice(0, limit)
        .map(toOrder);
    },
  };
}

const FULFILLMENT: Record<string, string> = {
  completed: "fulfilled",
  processing: "unfulfilled",
  "on-hold": "unfulfilled",
  pending: "unfulfilled",
};

function toOrder(o: WooOrder): StoreOrder {
  const items = o.meta_data?.find((m) => m.key === "_wc_shipment_tracking_items")?.value;
  return {
    id: String(o.id),
    number: `#${o.number}`,
    created_at: new Date(`${o.date_created_gmt}Z`).toISOString(),
    status: o.status,
    financial_status: o.status === "refunded" ? "refunded" : o.date_paid_gmt ? "paid" : "unpaid",
    fulfillment_status: FULFILLMENT[o.status] ?? null,
    total: { amount: o.total, currency: o.currency },
    tracking: (Array.isArray(items) ? (items as TrackingItem[]) : []).map((t) => ({
      company: t.custom_tracking_provider || t.tracking_provider || null,
      number: t.tracking_number ?? null,
      url: t.custom_tracking_link || null,
    })),
  };
}
