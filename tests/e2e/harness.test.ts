/**
 * The harness's own answer to a static file that is never answered (seen from `wrangler dev` under
 * load): the page still loads, because the file is asked for again on a new connection.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchBounded, fileBrowser } from "./browser";

const shared = fileBrowser();
let server: Server;
let base: string;
let asked = 0;
let docAsked = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/")
      return res.writeHead(200, { "content-type": "text/html" }).end('<title>t</title><script src="/build/late.js"></script>');
    if (req.url === "/build/late.js") {
      asked++;
      if (asked === 1) return; // the first GET is never answered
      return res.writeHead(200, { "content-type": "text/javascript" }).end("document.title = 'loaded'");
    }
    if (req.url === "/slow-page") {
      docAsked++;
      if (docAsked === 1) return res.writeHead(200, { "content-type": "text/html" }).write("<title>"); // a body that never ends
      return res.writeHead(302, { location: "/" }).end();
    }
    res.writeHead(404).end();
  });
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
});
