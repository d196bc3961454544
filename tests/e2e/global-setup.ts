import type { TestProject } from "vitest/node";
import { type RunningApp, startApp } from "./app-server";

let app: RunningApp | undefined;

/** Starts the product exactly as `npm start` does (fresh local state, free ports) for the browser tests. */
export default async function setup(project: TestProject) {
  app = await startApp();
  project.provide("baseURL", app.baseURL);
  project.provide("receiverURL", app.receiverURL ?? "");
  project.provide("sandboxURL", app.sandboxURL ?? "");
  project.provide("persistDir", app.persistDir);
  project.provide("startOutput", app.output());
  return async () => app?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    baseURL: string;
    receiverURL: string;
    sandboxURL: string;
    persistDir: string;
    /** What `npm start` printed up to "Integrations Hub is up". */
    startOutput: string;
  }
}
