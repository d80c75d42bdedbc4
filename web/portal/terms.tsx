import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ok, type Client, type Schema } from "../shared/api.ts";
import { formatDate } from "../shared/format.ts";
import { buttonClass } from "./ui.tsx";

/**
 * The rendered Markdown of terms. The API renders it with raw HTML off, so
 * the brand's text can hold no markup of its own; that is what makes setting
 * it as HTML here safe.
 */
export function TermsText({ html }: { html: string }) {
  return (
    <div
      className="max-h-80 overflow-y-auto rounded border border-slate-200 bg-slate-50 p-3 text-slate-800 [&_a]:text-blue-800 [&_a]:underline [&_h1]:mb-2 [&_h1]:text-xl [&_h1]:font-semibold [&_h2]:mb-2 [&_h2]:text-lg [&_h2]:font-semibold [&_h3]:font-semibold [&_li]:ml-5 [&_ol]:mb-2 [&_ol]:list-decimal [&_p]:mb-2 [&_ul]:mb-2 [&_ul]:list-disc"
      // Long terms scroll inside the box, which a keyboard can then scroll too.
      tabIndex={0}
      role="region"
      aria-label="Program terms"
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}

/**
 * Asks the participant to accept the program's terms when it has a version
 * they have not accepted (none yet, or an older one), and is gone once they
 * do; from then on the terms they accepted stay a click away.
 */
export function TermsBanner({
  client,
  program,
}: {
  client: Client;
  program: Schema<"MemberProgram">;
}) {
  const queryClient = useQueryClient();
  const terms = useQuery({ queryKey: ["terms"], queryFn: () => ok(client.GET("/v1/me/terms")) });
  const accept = useMutation({
    mutationFn: (version: number) => ok(client.POST("/v1/me/terms", { body: { version } })),
    onSuccess: (answer) => {
      queryClient.setQueryData(["terms"], answer);
      void queryClient.invalidateQueries({ queryKey: ["me"] });
    },
    // A newer version published meanwhile is the likeliest refusal: show that one.
    onError: () => void queryClient.invalidateQueries({ queryKey: ["terms"] }),
  });
  const current: Schema<"MyTerms"> | undefined = terms.data;
  if (!current || current.version === null || current.bodyHtml === null) return null;
  if (!current.mustAccept)
    return (
      <>
        {accept.data && (
          <p role="status" className="text-slate-700">
            Thank you: you accepted the program terms (version {accept.data.acceptedVersion}).
          </p>
        )}
        {current.acceptedAt !== null && (
          <details className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <summary className="cursor-pointer font-medium text-slate-900">
              Program terms: version {current.version}, accepted{" "}
              {formatDate(current.acceptedAt, program.timezone)}
            </summary>
            <div className="mt-3">
              <TermsText html={current.bodyHtml} />
            </div>
          </details>
        )}
      </>
    );
  const version = current.version;
  return (
    <section
      aria-labelledby="terms-title"
      className="rounded-lg border border-amber-300 bg-amber-50 p-4"
    >
      <h2 id="terms-title" className="text-lg font-semibold text-slate-900">
        {current.acceptedVersion === null
          ? "Please accept the program terms"
          : "The program terms have changed"}
      </h2>
      <p className="mt-1 mb-3 text-slate-800">
        {current.acceptedVersion === null
          ? "Read the terms of the program below and accept them to take part."
          : `You accepted version ${current.acceptedVersion}; version ${version} is now in force. Read it and accept it to keep taking part.`}
      </p>
      <TermsText html={current.bodyHtml} />
      <button
        type="button"
        className={buttonClass}
        disabled={accept.isPending}
        onClick={() => accept.mutate(version)}
      >
        {accept.isPending ? "Accepting…" : "I accept"}
      </button>
      {accept.error && (
        <p role="alert" className="mt-2 text-red-800">
          Could not record your acceptance: {accept.error.message}
        </p>
      )}
    </section>
  );
}
