import { SELF } from "cloudflare:test";
import { DEMO_PASSWORD } from "./seed";

export const ORIGIN = "http://localhost";

/**
 * A tiny cookie-jar client over SELF.fetch that behaves like a browser posting forms:
 * it sends the Origin header and the CSRF field unless told not to.
 */
export class BrowserClient {
  cookies = new Map<string, string>();

  /** `send` is SELF.fetch unless a test hands the Worker its own bindings (e.g. a recording D1). */
  constructor(private readonly send: (url: string, init: RequestInit) => Promise<Response> = (url, init) => SELF.fetch(url, init)) {}

  get csrf(): string {
    return this.cookies.get("__Host-ih_csrf") ?? "";
  }

  private store(res: Response) {
    for (const header of res.headers.getSetCookie()) {
      const [pair, ...attrs] = header.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=thu, 01 jan 1970/i.test(a.trim()));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async get(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("Cookie", this.cookieHeader());
    const res = await this.send(`${ORIGIN}${path}`, { ...init, headers, redirect: "manual" });
    this.store(res);
    return res;
  }

  /** Makes sure the CSRF cookie exists (as loading any page would). */
  async ensureCsrf() {
    if (!this.csrf) await this.get("/login");
    return this.csrf;
  }

  async post(
    path: string,
    fields: Record<string, string | string[]> = {},
    {
      origin = ORIGIN,
      csrf = true,
      headers: extra = {},
    }: { origin?: string | null; csrf?: boolean | string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    await this.ensureCsrf();
    const body = new URLSearchParams();
    if (csrf === true) body.set("csrf", this.csrf);
    else if (typeof csrf === "string") body.set("csrf", csrf);
    for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
    const headers = new Headers({ "Content-Type": "application/x-www-form-urlencoded", Host: new URL(ORIGIN).host, ...extra });
    if (origin) headers.set("Origin", origin);
    if (this.cookies.size) headers.set("Cookie", this.cookieHeader());
    const res = await this.send(`${ORIGIN}${path}`, { method: "POST", body, headers, redirect: "manual" });
    this.store(res);
    return res;
  }
}

export async function signIn(
  email: string,
  password = DEMO_PASSWORD,
  send?: ConstructorParameters<typeof BrowserClient>[0],
): Promise<BrowserClient> {
  const client = new BrowserClient(send);
  const res = await client.post("/login", { email, password });
  if (res.status !== 302) throw new Error(`sign-in as ${email} failed with ${res.status}`);
  return client;
}
