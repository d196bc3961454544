import type { Env } from "../env";
import { problem } from "./problem";

/** Entry for /v1/*: the router of the Developer API issue plugs in here. */
export async function handleApiRequest(request: Request, _env: Env, _ctx: ExecutionContext): Promise<Response> {
  return problem(404, `No route for ${request.method} ${new URL(request.url).pathname}`);
}
