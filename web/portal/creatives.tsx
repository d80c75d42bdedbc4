import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ok, type Client, type Schema } from "../shared/api.ts";
import { buttonClass, QueryState, Section } from "./ui.tsx";

type MyCreative = Schema<"MyCreative">;

const smallButton = buttonClass.replace("mt-2 ", "");

/**
 * The program's banners, PDFs and snippets, each ready to use: a snippet
 * with the participant's own link and code in it, a banner with the HTML that
 * shows it linking through their link, and every file to download.
 */
export function Creatives({ client }: { client: Client }) {
  const query = useQuery({
    queryKey: ["creatives"],
    queryFn: () => ok(client.GET("/v1/me/creatives", { params: { query: { limit: 500 } } })),
  });
  return (
    <Section id="creatives" title="Promote with">
      <QueryState what="the creatives" {...query} retry={() => void query.refetch()}>
        {() => {
          const items = query.data?.items ?? [];
          if (items.length === 0)
            return (
              <p className="text-slate-600">
                The program has no banners or texts for you yet. Share your link meanwhile.
              </p>
            );
          return (
            <ul className="space-y-4" aria-label="Creatives">
              {items.map((creative) => (
                <CreativeItem key={creative.id} creative={creative} />
              ))}
            </ul>
          );
        }}
      </QueryState>
    </Section>
  );
}

function CreativeItem({ creative }: { creative: MyCreative }) {
  const id = `creative-${creative.id}`;
  return (
    <li
      className="space-y-2 border-b border-slate-200 pb-4 last:border-b-0 last:pb-0"
      aria-labelledby={`${id}-name`}
      data-testid="my-creative"
    >
      <h3 id={`${id}-name`} className="font-medium text-slate-900 break-words">
        {creative.name}
      </h3>
      {creative.kind === "image" && creative.url && (
        <img
          src={creative.url}
          alt={creative.name}
          className="max-h-40 max-w-full rounded border border-slate-200 object-contain"
        />
      )}
      {creative.kind === "pdf" && <p className="text-sm text-slate-700">PDF document</p>}
      {creative.text !== null && (
        <CopyText
          id={`${id}-text`}
          label="Text"
          of={creative.name}
          value={creative.text}
          multiline
        />
      )}
      {creative.embedHtml !== null && (
        <CopyText
          id={`${id}-embed`}
          label="Embed HTML"
          of={creative.name}
          value={creative.embedHtml}
          multiline
        />
      )}
      <CopyText id={`${id}-link`} label="Your link" of={creative.name} value={creative.link} />
      {creative.downloadUrl !== null && (
        <a href={creative.downloadUrl} download className={smallButton}>
          Download<span className="sr-only"> {creative.name}</span>
        </a>
      )}
    </li>
  );
}

function CopyText({
  id,
  label,
  of,
  value,
  multiline = false,
}: {
  id: string;
  label: string;
  /** The creative's name, so each Copy button says which one it copies. */
  of: string;
  value: string;
  multiline?: boolean;
}) {
  const [said, setSaid] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setSaid(`${label} copied.`);
    } catch {
      // Without clipboard access the text is selected, so a keyboard copy works.
      (document.getElementById(id) as HTMLInputElement | HTMLTextAreaElement | null)?.select();
      setSaid("Could not copy: the text is selected, press Ctrl+C or ⌘C.");
    }
  };
  const field =
    "min-h-11 min-w-0 flex-1 rounded-md border border-slate-400 px-2 text-slate-900 focus-visible:outline-2 focus-visible:outline-blue-700";
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <div className="mt-1 flex items-start gap-2">
        {multiline ? (
          <textarea
            id={id}
            readOnly
            rows={3}
            value={value}
            onFocus={(e) => e.currentTarget.select()}
            className={`${field} py-1 font-mono text-sm`}
          />
        ) : (
          <input
            id={id}
            readOnly
            value={value}
            onFocus={(e) => e.currentTarget.select()}
            className={field}
          />
        )}
        <button type="button" onClick={() => void copy()} className={smallButton}>
          Copy
          <span className="sr-only">
            {" "}
            {label.toLowerCase()} of {of}
          </span>
        </button>
      </div>
      <p role="status" aria-live="polite" className="mt-1 min-h-5 text-sm text-green-800">
        {said}
      </p>
    </div>
  );
}
