import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { ok, type Schema } from "../shared/api.ts";
import { api, type Program } from "./session.ts";

export type Brand = Schema<"Brand">;

/** The brand and the server's mail setting, read once and shared by every screen that asks. */
export function useBrand() {
  return useQuery({
    queryKey: ["brand"],
    queryFn: () => ok(api.GET("/v1/brand")),
    staleTime: 60_000,
  });
}

/**
 * Whether the server sends mail: true or false once known, undefined while
 * the brand is loading or could not be read (a screen then decides nothing
 * on it rather than guessing).
 */
export function useMailConfigured(): boolean | undefined {
  return useBrand().data?.mail.configured;
}

/**
 * Says, beside whatever would mail someone, that nothing is mailed until the
 * server is given an SMTP server; shows nothing once mail is configured.
 * `children` adds what that means where it is shown.
 */
export function MailStatusNotice({ children }: { children?: ReactNode }) {
  const configured = useMailConfigured();
  if (configured !== false) return null;
  return (
    <div
      role="status"
      className="rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900"
    >
      <p>
        <strong>Mail is not configured.</strong> Laurel sends no mail until the server is started
        with <code>LAUREL_SMTP_URL</code> and <code>LAUREL_MAIL_FROM</code> set.
      </p>
      {children && <p className="mt-1">{children}</p>}
    </div>
  );
}

/** Whether a decision reaches the applicant by mail: the server's setting and the program's. */
export function DecisionMailNotice({ program }: { program: Program }) {
  const configured = useMailConfigured();
  if (configured === false)
    return (
      <MailStatusNotice>
        Applicants are not mailed decisions: copy the sign-in link an approval shows and send it
        yourself.
      </MailStatusNotice>
    );
  if (configured && program.notifications?.applicationDecided === false)
    return (
      <p role="status" className="rounded border border-slate-300 bg-white p-3 text-sm">
        This program does not mail decisions to applicants (its notification settings turn them
        off).
      </p>
    );
  if (configured)
    return (
      <p className="text-sm text-slate-700">
        Applicants are mailed the decision; an approval carries a link that signs them in to the
        portal.
      </p>
    );
  return null;
}
