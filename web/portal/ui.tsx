import type { ReactNode } from "react";

/** A titled region of the page; its heading names it for screen readers. */
export function Section(props: { id: string; title: string; children: ReactNode }) {
  return (
    <section
      aria-labelledby={`${props.id}-title`}
      className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
    >
      <h2 id={`${props.id}-title`} className="mb-3 text-lg font-semibold text-slate-900">
        {props.title}
      </h2>
      {props.children}
    </section>
  );
}

/** Loading, failure and content, the same way in every section. */
export function QueryState(props: {
  what: string;
  isPending: boolean;
  error: Error | null;
  retry: () => void;
  children: () => ReactNode;
}) {
  if (props.isPending)
    return (
      <p role="status" className="text-slate-600">
        Loading {props.what}…
      </p>
    );
  if (props.error)
    return (
      <div role="alert" className="text-red-800">
        <p>
          Could not load {props.what}: {props.error.message}
        </p>
        <button type="button" onClick={props.retry} className={buttonClass}>
          Try again
        </button>
      </div>
    );
  return <>{props.children()}</>;
}

export const buttonClass =
  "mt-2 inline-flex min-h-11 items-center rounded-md bg-slate-800 px-4 text-sm font-medium text-white hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-700";
