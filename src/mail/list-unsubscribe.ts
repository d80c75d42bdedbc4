/**
 * The headers of a mail that carries an unsubscribe link (RFC 2369 and
 * RFC 8058): mail clients show their own "Unsubscribe" button and POST
 * `List-Unsubscribe=One-Click` to the link, with no page to click through.
 * A mail without one, such as a sign-in link, gets none: it cannot be
 * unsubscribed from.
 */
export function listUnsubscribeHeaders(
  data: Readonly<Record<string, string>>,
): Record<string, string> {
  const url = data.unsubscribeUrl;
  if (url === undefined) return {};
  return {
    "List-Unsubscribe": `<${url}>`,
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
  };
}
