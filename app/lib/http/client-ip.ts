/** The client address Cloudflare saw; "local" when running without Cloudflare in front. */
export function clientIp(request: Request): string {
  return request.headers.get("CF-Connecting-IP") ?? "local";
}
