import { env } from "cloudflare:test";
// @ts-ignore: plain JS modules shared with the Node provider sandbox
import { createDiscordFake } from "../../scripts/sandbox/discord.mjs";
// @ts-ignore
import { createGa4Fake } from "../../scripts/sandbox/ga4.mjs";
// @ts-ignore
import { createSegmentFake } from "../../scripts/sandbox/segment.mjs";
// @ts-ignore
import { createTeamsFake, teamsSandboxUrl } from "../../scripts/sandbox/teams.mjs";
import { type Fake, installFakes } from "./crm-helpers";

/** Where the Teams, Discord, Segment and GA4 fakes answer inside the tests (the stubbed fetch routes these hosts). */
export const NOTIFY_ENV = {
  TEAMS_WORKFLOWS_BASE: "https://teams.fake.test",
  DISCORD_BASE: "https://discord.fake.test",
  DISCORD_CLIENT_ID: "discord-client",
  DISCORD_CLIENT_SECRET: "discord-secret",
  SEGMENT_API_BASE: "https://api.segment.fake.test",
  SEGMENT_CDN_BASE: "https://cdn.segment.fake.test",
  GA4_COLLECT_BASE: "https://ga.fake.test",
  APP_BASE_URL: "http://localhost",
};

export const TEAMS_URL = teamsSandboxUrl(NOTIFY_ENV.TEAMS_WORKFLOWS_BASE) as string;

type DiscordFake = Fake & { createWebhook: (base: string) => Record<string, unknown> };

/**
 * The four providers answered in-process by the sandbox's own fakes, through a stubbed global fetch
 * the Worker under SELF shares (Discord's OAuth token endpoint hands out a webhook as the real one
 * does), and the EVENTS queue replaced by a collector so each test pumps the pipeline itself.
 */
export function installNotifyFakes(opts: { discordWebhook?: (hook: Record<string, unknown>) => Record<string, unknown> } = {}) {
  Object.assign(env, NOTIFY_ENV);
  const fakes = {
    teams: createTeamsFake() as Fake,
    discord: createDiscordFake() as unknown as DiscordFake,
    segment: createSegmentFake() as Fake,
    ga4: createGa4Fake() as Fake,
  };
  const json = (data: unknown, status = 200) =>
    new Response(JSON.stringify(data), { status, headers: { "Content-Type": "application/json" } });
  let n = 0;
  return installFakes(fakes, (request, url) => {
    switch (url.hostname) {
      case "teams.fake.test":
        return fakes.teams.handle(request);
      case "discord.fake.test":
        if (url.pathname === "/api/oauth2/token") {
          const hook = fakes.discord.createWebhook(NOTIFY_ENV.DISCORD_BASE);
          return json({
            access_token: `discord-at-${++n}`,
            refresh_token: `discord-rt-${n}`,
            expires_in: 604800,
            token_type: "Bearer",
            scope: "webhook.incoming",
            webhook: opts.discordWebhook ? opts.discordWebhook(hook) : hook,
          });
        }
        if (url.pathname === "/api/oauth2/token/revoke") return json({});
        return fakes.discord.handle(request);
      case "api.segment.fake.test":
      case "cdn.segment.fake.test":
        return fakes.segment.handle(request);
      case "ga.fake.test":
        return fakes.ga4.handle(request);
      default:
        return undefined;
    }
  });
}
