/**
 * The harness's own answer to a static file that is never answered (seen from `wrangler dev` under
 * load): the page still loads, because the file is asked for again on a new connection. And its
 * keep-alive connections end before workerd's 5 s idle close could race a request (ADR 0172).
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchBounded, fileBrowser } from "./browser";

const shared = fileBrowser();
let server: Server;
let base: string;
let asked = 0;
let docAsked = 0;
const idleSockets = new Map<import("node:net").Socket, { port: number; answeredAt: number; closedAt: number }>();
const idlePorts: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/")
      return res.writeHead(200, { "content-type": "text/html" }).end('<title>t</title><script src="/build/late.js"></script>');
    if (req.url === "/build/late.js") {
      asked++;
      if (asked === 1) return; // the first GET is never answered
      return res.writeHead(200, { "content-type": "text/javascript" }).end("document.title = 'loaded'");
    }
    if (req.url?.startsWith("/idle-")) {
      const socket = req.socket;
      if (!idleSockets.has(socket)) {
        idleSockets.set(socket, { port: socket.remotePort ?? 0, answeredAt: 0, closedAt: 0 });
        socket.once("close", () => {
          idleSockets.get(socket)!.closedAt = Date.now();
        });
      }
      const seen = idleSockets.get(socket)!;
      idlePorts.push(seen.port);
      return res.writeHead(200, { "content-type": "text/html" }).end(`<title>${req.url}</title>`, () => {
        seen.answeredAt = Date.now();
      });
    }
    if (req.url === "/slow-page") {
      docAsked++;
      if (docAsked === 1) return res.writeHead(200, { "content-type": "text/html" }).write("<title>"); // a body that never ends
      return res.writeHead(302, { location: "/" }).end();
    }
    res.writeHead(404).end();
  });
  // this server keeps idle connections for 30 s: any close within 5 s is the client's (workerd closes at 5 s)
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("e2e harness", () => {
  it("asks again for a static file left unanswered, and the page loads with it", async () => {
    const context = await shared.browser.newContext();
    await context.route("**/build/**", (route) => fetchBounded(route, 1_000));
    const page = await context.newPage();
    await page.goto(`${base}/`, { waitUntil: "load", timeout: 30_000 });
    expect(await page.title()).toBe("loaded");
    expect(asked).toBe(2);
    await context.close();
  });

  it("asks again for a page whose body stopped midway, and the browser follows the redirect it answers", async () => {
    const context = await shared.browser.newContext();
    await context.route("**/*", (route) => fetchBounded(route, 1_000));
    const page = await context.newPage();
    await page.goto(`${base}/slow-page`, { waitUntil: "load", timeout: 30_000 });
    expect(new URL(page.url()).pathname).toBe("/");
    expect(await page.title()).toBe("loaded");
    expect(docAsked).toBe(2);
    await context.close();
  });

  it("closes a connection of its own left idle for 4 s, before workerd's 5 s close, and reuses one in use", async () => {
    const context = await shared.browser.newContext();
    await context.route("**/*", (route) => fetchBounded(route));
    const page = await context.newPage();
    await page.goto(`${base}/idle-a`);
    await page.goto(`${base}/idle-b`);
    // both through one kept-alive connection of route.fetch
    expect(idlePorts).toHaveLength(2);
    expect(idlePorts[1]).toBe(idlePorts[0]);
    const first = [...idleSockets.values()][0]!;
    await expect.poll(() => first.closedAt, { timeout: 15_000, interval: 100 }).toBeGreaterThan(0);
    const idleFor = first.closedAt - first.answeredAt;
    // closed by the client at its 4 s bound (the server would keep it 30 s); a loaded machine may fire the timer late
    expect(idleFor).toBeGreaterThanOrEqual(3_500);
    expect(idleFor).toBeLessThan(10_000);
    await page.goto(`${base}/idle-c`); // a new connection, not the closed one
    expect(idlePorts).toHaveLength(3);
    expect(idlePorts[2]).not.toBe(idlePorts[0]);
    await context.close();
  });
});
