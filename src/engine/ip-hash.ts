import { createHash } from "node:crypto";

/**
 * IP addresses are compared, never kept for it: a participant's known
 * addresses and a buyer's or clicker's address meet only as SHA-256 digests.
 */
export function hashIp(ip: string): string {
  return createHash("sha256").update(ip.trim().toLowerCase()).digest("hex").slice(0, 32);
}
