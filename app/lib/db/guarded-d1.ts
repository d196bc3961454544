/**
 * A D1 binding whose FIRST database call carries a guard statement in the same db.batch, so a
 * check that would otherwise cost its own round trip rides along with the work (the /v1 API
 * key check: docs/decisions/0045-api-key-check-in-the-batch.md).
 *
 * - A first call made only of SELECTs gets `guard.read()` in front; `guard.passed` judges its result.
 * - Any other first call gets `guard.write()` in front: a statement that makes the batch FAIL
 *   (and so roll back, a D1 batch being one transaction) when the guard does not hold; the
 *   error's message contains `guard.abortMessage`.
 * - Calls made while the first is in flight wait for it; later calls run as they are.
 * - `settle()` at the end of the request runs the guard on its own if no call was made, and
 *   says whether it held. Once it failed, every further call throws GuardFailedError.
 *
 * Results of a guarded first call come from a batch, so `raw()` rows are built from objects keyed
 * by column name, exactly as drizzle's own db.batch does (alias duplicate column names).
 */
export class GuardFailedError extends Error {
  constructor() {
    super("guard failed");
  }
}

export type Guard = {
  read(): D1PreparedStatement;
  write(): D1PreparedStatement;
  passed(result: D1Result): boolean;
  abortMessage: string;
};

type Tracked = { raw: D1PreparedStatement; sql: string };
const TRACKED = Symbol("tracked statement");
const READ_ONLY = /^\s*select\b/i;

export function guardedD1(d1: D1Database, guard: Guard): { db: D1Database; settle(): Promise<boolean> } {
  let state: "unchecked" | "checking" | "passed" | "failed" = "unchecked";
  let inFlight: Promise<unknown> | null = null;

  const fail = () => {
    state = "failed";
    return new GuardFailedError();
  };

  async function guarded<T>(stmts: Tracked[], direct: () => Promise<T>, fromBatch: (results: D1Result[]) => T): Promise<T> {
    while (state === "checking") await inFlight!.catch(() => {});
    if (state === "failed") throw new GuardFailedError();
    if (state === "passed") return direct();
    state = "checking";
    const readOnly = stmts.every((s) => READ_ONLY.test(s.sql));
    const run = d1.batch([readOnly ? guard.read() : guard.write(), ...stmts.map((s) => s.raw)]).then(
      (results) => {
        if (readOnly && !guard.passed(results[0]!)) throw fail();
        state = "passed";
        return fromBatch(results.slice(1));
      },
      (error: unknown) => {
        if (!readOnly && String((error as Error)?.message ?? "").includes(guard.abortMessage)) throw fail();
        state = "unchecked"; // the batch failed for another reason and rolled back: the next call guards again
        throw error;
      },
    );
    inFlight = run;
    return run;
  }

  const wrapStatement = (raw: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const tracked: Tracked = { raw, sql };
    return new Proxy(raw, {
      get(target, prop) {
        if (prop === TRACKED) return tracked;
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        const call = (...args: unknown[]) => value.apply(target, args);
        switch (prop) {
          case "bind":
            return (...args: unknown[]) => wrapStatement(call(...args), sql);
          case "all":
          case "run":
            return () => guarded([tracked], call, ([r]) => r);
          case "first":
            return (column?: string) =>
              guarded(
                [tracked],
                () => call(...(column === undefined ? [] : [column])),
                ([r]) => {
                  const row = (r!.results[0] as Record<string, unknown> | undefined) ?? null;
                  return column === undefined ? row : row ? (row[column] ?? null) : null;
                },
              );
          case "raw":
            return (options?: { columnNames?: boolean }) =>
              options?.columnNames
                ? settleThen(() => call(options))
                : guarded(
                    [tracked],
                    () => call(),
                    ([r]) => (r!.results as Record<string, unknown>[]).map((row) => Object.values(row)),
                  );
          default:
            return value.bind(target);
        }
      },
    });
  };

  async function settleThen<T>(fn: () => Promise<T>): Promise<T> {
    if (!(await settle())) throw new GuardFailedError();
    return fn();
  }

  async function settle(): Promise<boolean> {
    while (state === "checking") await inFlight!.catch(() => {});
    if (state === "unchecked") {
      const [r] = await d1.batch([guard.read()]);
      state = guard.passed(r!) ? "passed" : "failed";
    }
    return state === "passed";
  }

  const db = new Proxy(d1, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "prepare") return (sql: string) => wrapStatement(value.call(target, sql), sql);
      if (prop === "batch") {
        return (stmts: D1PreparedStatement[]) => {
          const tracked = stmts.map((s) => (s as unknown as Record<symbol, Tracked>)[TRACKED] ?? { raw: s, sql: "" });
          return guarded(
            tracked,
            () =>
              value.call(
                target,
                tracked.map((t) => t.raw),
              ),
            (results) => results,
          );
        };
      }
      if (prop === "exec" || prop === "dump") return (...args: unknown[]) => settleThen(() => value.apply(target, args));
      return value.bind(target);
    },
  });
  return { db, settle };
}
