// A browser-like HTTP session for Node (no browser): a cookie jar, and form POSTs that carry the
// CSRF field and the Origin header, the way the app's forms are submitted. Used by the demo seed
// (scripts/demo.mjs) and by tests that drive the pages without Chromium.

export class FormSession {
  /** @param {string} baseURL */
  constructor(baseURL) {
    this.baseURL = baseURL;
    /** @type {Map<string, string>} */
    this.cookies = new Map();
  }

  /** @param {Response} res */
  store(res) {
    for (const header of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = header.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === "" || attrs.some((a) => /max-age=0\b/i.test(a.trim()))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** @param {Record<string, string>} [extra] */
  headers(extra = {}) {
    const h = new Headers(extra);
    if (this.cookies.size) h.set("Cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    return h;
  }

  get csrf() {
    return this.cookies.get("__Host-ih_csrf") ?? "";
  }

  /** @param {string} path @returns {Promise<Response>} */
  async get(path) {
    const res = await fetch(new URL(path, this.baseURL), { headers: this.headers(), redirect: "manual" });
    this.store(res);
    return res;
  }

  /** @param {string} path @param {Record<string, string | string[]>} fields @returns {Promise<Response>} */
  async post(path, fields) {
    if (!this.csrf) await this.get("/login");
    const body = new URLSearchParams({ csrf: this.csrf });
    for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
    const headers = this.headers({ "Content-Type": "application/x-www-form-urlencoded", Origin: new URL(this.baseURL).origin });
    const res = await fetch(new URL(path, this.baseURL), { method: "POST", body, headers, redirect: "manual" });
    this.store(res);
    return res;
  }

  /**
   * POSTs a form whose success redirects to a page carrying a one-time revealed key; returns that key.
   * @param {string} path @param {Record<string, string | string[]>} fields @returns {Promise<string>}
   */
  async postForRevealedKey(path, fields) {
    const res = await this.post(path, fields);
    const location = res.headers.get("Location");
    if (res.status !== 302 || !location) throw new Error(`${path} answered ${res.status}, not a redirect`);
    const html = await (await this.get(location)).text();
    const key = html.match(/sk_live_[A-Za-z0-9_-]{40,}/)?.[0];
    if (!key) throw new Error(`no revealed key on ${location}`);
    return key;
  }
}

/** @param {string} baseURL @param {string} email @param {string} [password] */
export async function signInSession(baseURL, email, password = process.env.DEMO_PASSWORD ?? "demo-password") {
  const session = new FormSession(baseURL);
  const res = await session.post("/login", { email, password });
  if (res.status !== 302) throw new Error(`sign-in as ${email} failed with ${res.status}`);
  return session;
}
