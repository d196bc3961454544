/**
 * Query plans (issue 15 item 4): a D1 binding that records every statement sent through it (SQL and
 * bound values, batches included), and SQLite's `EXPLAIN QUERY PLAN` for each, so a test can fail
 * on a full scan of a table that grows with customers and time.
 */
export type Recorded = { sql: string; params: unknown[] };

export function recordingD1(d1: D1Database) {
  const seen: Recorded[] = [];
  const real = new WeakMap<object, { stmt: D1PreparedStatement; rec: Recorded }>();
  const wrap = (stmt: D1PreparedStatement, rec: Recorded): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "bind") return (...args: unknown[]) => wrap(value.apply(target, args), { sql: rec.sql, params: args });
        if (prop === "first" || prop === "all" || prop === "run" || prop === "raw") {
          return (...args: unknown[]) => {
            seen.push(rec);
            return value.apply(target, args);
          };
        }
        return value.bind(target);
      },
    });
    real.set(proxy, { stmt, rec });
    return proxy;
  };
  // a session (withSession: every HTTP request runs in one, ADR 0120) is recorded like the binding it came from
  const wrapDb = <T extends object>(d: T): T =>
    new Proxy(d, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "prepare") return (sql: string) => wrap(value.call(target, sql), { sql, params: [] });
        if (prop === "withSession") return (...args: unknown[]) => wrapDb(value.apply(target, args));
        if (prop === "batch") {
          return (stmts: D1PreparedStatement[]) => {
            for (const s of stmts) {
              const r = real.get(s);
              if (r) seen.push(r.rec);
            }
            return value.call(
              target,
              stmts.map((s) => real.get(s)?.stmt ?? s),
            );
          };
        }
        if (prop === "exec") return (sql: string) => (seen.push({ sql, params: [] }), value.call(target, sql));
        return value.bind(target);
      },
    });
  const db = wrapDb(d1);
  return { db, statements: () => seen };
}

/**
 * Tables whose rows grow with customers or with time: a query on one must find its rows through
 * an index (SEARCH), never read the whole table (SCAN). Small fixed tables are not listed.
 */
export const GROWING_TABLES = [
  "api_keys",
  "audit_actors",
  "audit_log",
  "companies",
  "connections",
  "conversations",
  "dead_letters",
  "deliveries",
  "delivery_attempts",
  "endpoint_hourly",
  "events",
  "external_refs",
  "health_alerts",
  "idempotency_keys",
  "inbound_receipts",
  "messages",
  "receiver_checks",
  "sessions",
  "slack_summaries",
  "slack_threads",
  "users",
  "webhook_endpoints",
  "webhook_replay_sends",
  "webhook_replays",
] as const;

type PlanRow = { id: number; parent: number; detail: string };

export async function queryPlan(d1: D1Database, { sql, params }: Recorded): Promise<PlanRow[]> {
  const res = await d1
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<PlanRow>();
  return res.results;
}

/**
 * The growing tables a plan reads in full. SQLite names a table by its alias in the plan
 * ("SCAN d"), so aliases are resolved from the statement's own FROM/JOIN/UPDATE/DELETE clauses.
 */
export function fullScans(sql: string, plan: PlanRow[]): string[] {
  const aliases = new Map<string, string>();
  const growing = new Set<string>(GROWING_TABLES);
  for (const m of sql.matchAll(/\b(?:from|join|update|into)\s+["`]?(\w+)["`]?(?:\s+(?:as\s+)?["`]?(\w+)["`]?)?/gi)) {
    const table = m[1]!.toLowerCase();
    aliases.set(table, table);
    const alias = m[2]?.toLowerCase();
    if (alias && !/^(where|set|on|order|group|limit|inner|left|join|values|select|returning|using|as)$/.test(alias))
      aliases.set(alias, table);
  }
  const scans: string[] = [];
  for (const row of plan) {
    const m = /^SCAN (\w+)/.exec(row.detail);
    if (!m) continue;
    const name = m[1]!.toLowerCase();
    const table = aliases.get(name) ?? name;
    if (growing.has(table)) scans.push(`${table}: ${row.detail}`);
  }
  return scans;
}

/** Tables with no bound on rows per company: history and conversations. */
const UNBOUNDED_PER_COMPANY = new Set([
  "audit_log",
  "conversations",
  "deliveries",
  "delivery_attempts",
  "events",
  "inbound_receipts",
  "messages",
]);

/**
 * A page (a statement with LIMIT) that must sort every matching row of a company's history before
 * it can return the first one: the plan finds the rows by index, then "USE TEMP B-TREE FOR ORDER
 * BY" (the whole key; "LAST TERM" only orders ties and streams). Such a page costs as much as the
 * history is long.
 */
export function unboundedSorts(sql: string, plan: PlanRow[]): string[] {
  if (!/\blimit\b/i.test(sql) || !plan.some((r) => r.detail === "USE TEMP B-TREE FOR ORDER BY")) return [];
  const aliases = new Map<string, string>();
  for (const m of sql.matchAll(/\b(?:from|join)\s+["`]?(\w+)["`]?(?:\s+["`]?(\w+)["`]?)?/gi)) {
    aliases.set(m[1]!.toLowerCase(), m[1]!.toLowerCase());
    if (m[2]) aliases.set(m[2].toLowerCase(), m[1]!.toLowerCase());
  }
  return plan
    .map((r) => /^SEARCH (\w+) USING (?:COVERING )?INDEX (\w+)/.exec(r.detail))
    .filter((m): m is RegExpExecArray => m !== null && !m[2]!.startsWith("sqlite_autoindex"))
    .map((m) => aliases.get(m[1]!.toLowerCase()) ?? m[1]!.toLowerCase())
    .filter((t, i, all) => UNBOUNDED_PER_COMPANY.has(t) && all.indexOf(t) === i);
}

/**
 * A statement that reads all of a company's history: an index used with the company alone
 * ("(company_id=?)") on a history table, where no LIMIT stops the walk early (no LIMIT, or a
 * sort that has to see every row first). Counting or max-ing a whole history is this too.
 */
export function wholeHistoryReads(sql: string, plan: PlanRow[]): string[] {
  // "USE TEMP B-TREE FOR LAST TERM OF ORDER BY" only orders ties and still streams
  const stopsEarly =
    /\blimit\b/i.test(sql) && !plan.some((r) => r.detail === "USE TEMP B-TREE FOR ORDER BY" || r.detail === "USE TEMP B-TREE FOR GROUP BY");
  if (stopsEarly) return [];
  const aliases = new Map<string, string>();
  for (const m of sql.matchAll(/\b(?:from|join)\s+["`]?(\w+)["`]?(?:\s+["`]?(\w+)["`]?)?/gi)) {
    aliases.set(m[1]!.toLowerCase(), m[1]!.toLowerCase());
    if (m[2]) aliases.set(m[2].toLowerCase(), m[1]!.toLowerCase());
  }
  return plan
    .map((r) => /^SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \(company_id=\?\)$/.exec(r.detail))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => aliases.get(m[1]!.toLowerCase()) ?? m[1]!.toLowerCase())
    .filter((t, i, all) => UNBOUNDED_PER_COMPANY.has(t) && all.indexOf(t) === i);
}
