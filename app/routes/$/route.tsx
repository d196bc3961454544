export const handle = { access: "public" };

export async function loader() {
  throw new Response("The page you were looking for doesn't exist or was moved.", { status: 404 });
}

/**
 * Never rendered: the loader always throws, so the root ErrorBoundary draws the 404 page. Importing the error
 * screen here as well would make it a chunk shared by two routes, one more request on every page (ADR 0150).
 */
export default function NotFound() {
  return null;
}
