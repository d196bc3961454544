import { type CurrentUser, initials } from "~/lib/auth/users.server";
import { appBaseUrl, type Env } from "~/lib/env";

/**
 * What the app shell shows. Each tab's loader returns it (the layout has no loader of its own,
 * so a tab can fold the user lookup into its single D1 round trip).
 */
export function shellData(user: CurrentUser, env: Env) {
  return {
    user: { name: user.name, email: user.email, initials: initials(user.name), companyName: user.company.name },
    appBaseUrl: appBaseUrl(env),
  };
}

export type ShellData = ReturnType<typeof shellData>;
