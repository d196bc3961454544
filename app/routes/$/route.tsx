import { ErrorScreen } from "~/components/error-screen";

export const handle = { access: "public" };

export async function loader() {
  throw new Response("The page you were looking for doesn't exist or was moved.", { status: 404 });
}

export default function NotFound() {
  return <ErrorScreen status={404} />;
}
