// exploration helper (not committed): node .shot.mjs <name> <path> [phone|desktop] [nojs] [user]
import { chromium } from "playwright-core";
const [name, path, vp = "desktop", js = "js", user = "john@acme.com"] = process.argv.slice(2);
const base = process.env.BASE || "http://127.0.0.1:18931";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const ctx = await browser.newContext({ javaScriptEnabled: js === "js", viewport: vp === "phone" ? { width: 390, height: 844 } : { width: 1280, height: 800 } });
const page = await ctx.newPage();
await page.goto(`${base}/login?redirectTo=${encodeURIComponent(path)}`);
await page.getByLabel("Email").fill(user);
await page.getByLabel("Password").fill("demo-password");
await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.getByRole("button", { name: "Sign in" }).click()]);
await page.waitForLoadState("load");
if (process.env.STEPS) await eval(`(async () => { ${process.env.STEPS} })()`);
await page.screenshot({ path: `/tmp/ux-run/shots/${name}.png`, fullPage: process.env.FULL !== "0" });
console.log(page.url());
await browser.close();
