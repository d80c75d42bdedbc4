import { floodingReason, hourOf, isFlooding } from "../domain/fraud.ts";
import { DEFAULT_MAX_CLICKS_PER_HOUR } from "../domain/program.ts";
import { flagsRaised } from "../domain/outbox-of-facts.ts";
import { insertFlags } from "../store/flags.ts";
import { tell } from "../store/outbox.ts";
import { insertClick, loadRecentClicks } from "../store/facts.ts";
import type { ParticipantRecord } from "../store/participants.ts";
import type { ProgramRecord } from "../store/programs.ts";
import { hashIp } from "./ip-hash.ts";
import type { Services } from "./services.ts";

/**
 * Records a click on a referral link, unless the visitor or the IP already
 * clicked more than the program allows this hour: such a click is not counted
 * and not used for attribution, and raises one flag per visitor per hour.
 */
export async function recordLinkClick(
  services: Services,
  program: ProgramRecord,
  participant: ParticipantRecord,
  visitor: { visitorId: string; ip: string | null },
): Promise<"recorded" | "flooding"> {
  const now = services.now();
  const ipHash = visitor.ip === null ? null : hashIp(visitor.ip);
  const maxPerHour = program.config.fraud?.maxClicksPerHour ?? DEFAULT_MAX_CLICKS_PER_HOUR;
  return services.db.transaction(async (tx) => {
    const recent = await loadRecentClicks(
      tx,
      program.id,
      { visitorIds: [visitor.visitorId], ipHashes: ipHash === null ? [] : [ipHash] },
      { sinceMs: now.getTime() - 3_600_000, untilMs: now.getTime() },
    );
    const flooding = [...recent.values()].some((times) =>
      isFlooding(times, now.getTime(), maxPerHour),
    );
    if (flooding) {
      const flags = [
        {
          rule: "click_flooding" as const,
          participantId: participant.id,
          eventId: `link:${participant.referralCode}`,
          orderId: null,
          reason: floodingReason(maxPerHour),
          key: `click_flooding:v:${visitor.visitorId}:${hourOf(now.getTime())}`,
        },
      ];
      const flagIds = await insertFlags(tx, program.id, flags, services.ids, now);
      await tell(tx, program.id, flagsRaised(flags, flagIds), services.ids, now);
      return "flooding";
    }
    await insertClick(tx, program.id, {
      id: services.ids.next("clk"),
      participantId: participant.id,
      code: participant.referralCode,
      visitorId: visitor.visitorId,
      ipHash,
      occurredAt: now,
    });
    return "recorded";
  });
}
