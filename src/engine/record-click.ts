import { hourOf, isFlooding } from "../domain/fraud.ts";
import { DEFAULT_MAX_CLICKS_PER_HOUR } from "../domain/program.ts";
import { bulkInsert } from "../store/bulk-insert.ts";
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
      await bulkInsert(
        tx,
        "fraud_flags",
        program.id,
        {
          id: "text",
          key: "text",
          rule: "text",
          participant_id: "text",
          event_id: "text",
          reason: "text",
          status: "text",
          created_at: "timestamptz",
        },
        [
          {
            id: services.ids.next("flg"),
            key: `click_flooding:v:${visitor.visitorId}:${hourOf(now.getTime())}`,
            rule: "click_flooding",
            participant_id: participant.id,
            event_id: `link:${participant.referralCode}`,
            reason: `more than ${maxPerHour} clicks in an hour from this visitor or IP; the click is not counted and not used for attribution`,
            status: "open",
            created_at: now.toISOString(),
          },
        ],
        "on conflict (program_id, key) do nothing",
      );
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
