import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";

/**
 * Where Laurel may send a brand's webhooks: public addresses only, so an
 * endpoint URL can never reach into the network Laurel runs in (SSRF). The
 * check is on the addresses a name resolves to, at every connection, and the
 * connection goes to the address that was checked, so a name that resolves
 * to a public address once and to a private one the next time (DNS
 * rebinding) gains nothing.
 */

const NOT_PUBLIC = new BlockList();
// IANA special-purpose IPv4 ranges: this network, private, shared (CGNAT),
// loopback, link-local (the cloud metadata address 169.254.169.254 among
// them), IETF protocol assignments, documentation, 6to4 relay, benchmarking,
// multicast and reserved.
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, "ipv4");
// IPv6: unspecified, loopback, NAT64, discard, documentation, unique local,
// link-local, site-local and multicast. IPv4-mapped addresses are checked as
// the IPv4 address they carry.
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, "ipv6");

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** True for an address on the public internet; false for private, loopback, link-local and the like. */
export function isPublicAddress(address: string): boolean {
  const mapped = MAPPED_IPV4.exec(address)?.[1];
  if (mapped !== undefined) return isPublicAddress(mapped);
  const family = isIP(address);
  if (family === 0) return false;
  return !NOT_PUBLIC.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * What is wrong with a webhook URL before any name is resolved, or null:
 * it must be absolute https (http too when private addresses are allowed),
 * without user or password, and an address literal must be public.
 */
export function webhookUrlProblem(url: string, allowPrivate: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not an absolute URL";
  }
  const schemes = allowPrivate ? ["https:", "http:"] : ["https:"];
  if (!schemes.includes(parsed.protocol))
    return allowPrivate
      ? "must be an http:// or https:// URL"
      : "must be an https:// URL (LAUREL_WEBHOOKS_ALLOW_PRIVATE=true allows http:// in development)";
  if (parsed.username !== "" || parsed.password !== "")
    return "must not carry a user or password; authenticate deliveries by their signature";
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (!allowPrivate) {
    if (isIP(host) !== 0 && !isPublicAddress(host))
      return `points at ${host}, which is not a public address`;
    if (host === "localhost" || host.endsWith(".localhost"))
      return `points at ${host}, which is this machine`;
  }
  return null;
}

/**
 * A lookup for http.request / https.request that refuses a name resolving
 * to any address that is not public, so the socket only ever connects to an
 * address that passed the check. With `allowPrivate` it is the plain lookup.
 */
export function publicOnlyLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "", 4);
      const all = addresses as LookupAddress[];
      const refused = allowPrivate ? undefined : all.find((a) => !isPublicAddress(a.address));
      if (refused !== undefined)
        return callback(
          Object.assign(
            new Error(`${hostname} resolves to ${refused.address}, which is not a public address`),
            { code: "ENOTPUBLIC" },
          ),
          "",
          4,
        );
      if (options.all) return callback(null, all as never);
      const first = all[0];
      if (first === undefined)
        return callback(
          Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }),
          "",
          4,
        );
      callback(null, first.address, first.family);
    });
  };
}
