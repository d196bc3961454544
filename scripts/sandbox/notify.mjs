// The sandbox's fakes for the notification and analytics integrations (Microsoft Teams workflows,
// Discord webhooks, Segment, GA4's Measurement Protocol): which path prefix each answers under, and
// the base-URL env vars that point the app at them. scripts/sandbox.mjs mounts them.
import { createDiscordFake } from "./discord.mjs";
import { createGa4Fake } from "./ga4.mjs";
import { createSegmentFake } from "./segment.mjs";
import { createTeamsFake, teamsSandboxUrl } from "./teams.mjs";

/** API-key providers' base-URL env vars → sandbox path prefix (set unless the env names a real one). */
export const NOTIFY_BASES = {
  TEAMS_WORKFLOWS_BASE: "/teams",
  SEGMENT_API_BASE: "/segment-api",
  SEGMENT_CDN_BASE: "/segment-cdn",
  GA4_COLLECT_BASE: "/ga4",
};

export function createNotifyFakes({ onCall, credentials }) {
  const fakes = {
    teams: createTeamsFake({ onCall, credentials }),
    discord: createDiscordFake({ onCall, credentials }),
    segment: createSegmentFake({ onCall, credentials }),
    ga4: createGa4Fake({ onCall, credentials }),
  };
  /** The fake for a sandbox path, and the provider-relative path it sees. */
  const route = (path) => {
    let m;
    if ((m = path.match(/^\/teams(\/workflows\/.*)$/))) return { fake: fakes.teams, rest: m[1] };
    if ((m = path.match(/^\/discord(\/api(?:\/v\d+)?\/webhooks\/.*)$/))) return { fake: fakes.discord, rest: m[1] };
    if ((m = path.match(/^\/segment-(?:api|cdn)(\/v1\/.*)$/))) return { fake: fakes.segment, rest: m[1] };
    if ((m = path.match(/^\/ga4(\/(?:debug\/)?mp\/collect)$/))) return { fake: fakes.ga4, rest: m[1] };
    return null;
  };
  const env = (url, real) => {
    const out = {};
    for (const [name, prefix] of Object.entries(NOTIFY_BASES)) if (!real[name]) out[name] = `${url}${prefix}`;
    return out;
  };
  return { fakes, route, env, teamsUrl: (url) => teamsSandboxUrl(`${url}${NOTIFY_BASES.TEAMS_WORKFLOWS_BASE}`) };
}
