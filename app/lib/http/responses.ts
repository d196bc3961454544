/**
 * The one "not found" of the app. Routes throw it for an unknown id or an id of another company
 * (the two are never told apart); the root error boundary renders its message.
 */
export function notFound(message = "The page you were looking for doesn't exist or was moved."): Response {
  return new Response(message, { status: 404, statusText: "Not Found" });
}
