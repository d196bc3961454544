import { env } from "cloudflare:test";
// @ts-ignore: plain JS modules shared with the Node provider sandbox
import { createActiveCampaignFake } from "../../scripts/sandbox/activecampaign.mjs";
// @ts-ignore
import { createMailchimpFake } from "../../scripts/sandbox/mailchimp.mjs";
// @ts-ignore
import { createShopifyFake } from "../../scripts/sandbox/shopify.mjs";
// @ts-ignore
import { createWooCommerceFake } from "../../scripts/sandbox/woocommerce.mjs";
import { type Fake, installFakes, pathAfter } from "./crm-helpers";

/** Where the marketing and store fakes answer inside the tests (the stubbed fetch routes these hosts). */
export const COMMERCE_ENV = {
  MAILCHIMP_BASE: "https://login.mailchimp.fake.test",
  MAILCHIMP_API_BASE: "https://mailchimp.fake.test/{dc}",
  SHOPIFY_BASE: "https://shopify.fake.test/{shop}",
  APP_BASE_URL: "http://localhost",
};
/** Typed by the admin on the connect forms (public names: they pass the URL guard). */
export const AC_URL = "https://acme.api-us1.test";
export const WOO_URL = "https://shop.acme.test";
/** What the stubbed DNS-over-HTTPS resolver answers for every name (a public address). */
export const PUBLIC_IP = "93.184.216.34";

export type CommerceFakes = Record<"mailchimp" | "activecampaign" | "shopify" | "woocommerce", Fake>;

/**
 * The four providers answered in-process by the sandbox's own fakes (through a stubbed global
 * fetch the Worker under SELF shares), DNS-over-HTTPS answered with a public address, and the
 * EVENTS queue replaced by a collector so each test pumps the pipeline itself (crm-helpers' pump).
 */
export function installCommerceFakes(dns: (name: string) => string = () => PUBLIC_IP) {
  Object.assign(env, COMMERCE_ENV);
  const fakes: CommerceFakes = {
    mailchimp: createMailchimpFake(),
    activecampaign: createActiveCampaignFake(),
    shopify: createShopifyFake(),
    woocommerce: createWooCommerceFake(),
  };
  const dohLog: string[] = [];
  const installed = installFakes(fakes, (request, url) => {
    switch (url.hostname) {
      case "cloudflare-dns.com": {
        const name = url.searchParams.get("name") ?? "";
        const type = url.searchParams.get("type");
        dohLog.push(name);
        const ip = dns(name);
        const answer = type === "A" && !ip.includes(":") ? [{ name, type: 1, TTL: 60, data: ip }] : [];
        return Response.json({ Status: 0, Answer: answer }, { headers: { "Content-Type": "application/dns-json" } });
      }
      case "login.mailchimp.fake.test":
        return fakes.mailchimp.handle(request);
      case "mailchimp.fake.test":
        return fakes.mailchimp.handle(request, pathAfter(url, 1));
      case "shopify.fake.test":
        return fakes.shopify.handle(request, pathAfter(url, 1));
      case "acme.api-us1.test":
        return fakes.activecampaign.handle(request);
      case "shop.acme.test":
        return fakes.woocommerce.handle(request);
      default:
        return undefined;
    }
  });
  return { ...installed, dohLog };
}
