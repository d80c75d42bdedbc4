import type { EventInput, ReceivedEvent } from "../domain/events.ts";
import { hashIp } from "./ip-hash.ts";

/** An event as the domain takes it: with the time it counts from and its IP's hash. */
export function toReceived(event: EventInput, occurredAtMs: number): ReceivedEvent {
  const ip = "ip" in event ? event.ip : undefined;
  return ip === undefined
    ? { ...event, occurredAtMs }
    : { ...event, occurredAtMs, ipHash: hashIp(ip) };
}

/** What is stored as the event: what the brand sent, nothing derived. */
export function payloadOf(event: ReceivedEvent): EventInput {
  const { occurredAtMs: _time, ipHash: _ip, ...payload } = event;
  return payload;
}
