import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { benchEnabled } from "~/lib/bench/bench";

/**
 * /__bench/bare: the baseline of `npm run bench` — a minimal page through the same root layout,
 * CSS and scripts as every page, with no session and no data. 404 unless BENCH_ROUTES is "true".
 */
export const handle = { access: "public" };

export const meta: MetaFunction = () => [{ title: "Bench" }];

export async function loader({ context }: LoaderFunctionArgs) {
  if (!benchEnabled(context.cloudflare.env)) throw new Response("Not Found", { status: 404 });
  return null;
}

export default function BenchBare() {
  return (
    <main className="p-8">
      <h1 className="text-lg font-semibold">Bare route</h1>
    </main>
  );
}
