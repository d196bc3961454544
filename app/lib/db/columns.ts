import { integer, text } from "drizzle-orm/sqlite-core";

/** Primary key: a prefixed, time-sortable id (see newId). */
export const id = () => text("id").primaryKey();
/** Milliseconds since the epoch, as JS Dates. */
export const timestamp = (name: string) => integer(name, { mode: "timestamp_ms" });
export const createdAt = () =>
  timestamp("created_at")
    .notNull()
    .$defaultFn(() => new Date());
export const companyId = () => text("company_id").notNull();
export const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();
