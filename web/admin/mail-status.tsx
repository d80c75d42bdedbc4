import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { ok, type Schema } from "../shared/api.ts";
import { api } from "./session.ts";

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
