import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ApiError, ok, rawBody } from "../shared/api.ts";
import { api, type Program } from "./session.ts";
import { Button, ErrorMessage, Field, inputClass } from "./ui.tsx";

export function Targets({ program }: { program: Program }) {
  const [file, setFile] = useState<File | null>(null);
  const upload = useMutation({
    mutationFn: async (chosen: File) =>
      ok(
        api.POST("/v1/programs/{programId}/targets", {
          params: { path: { programId: program.id } },
          body: await chosen.text(),
          ...rawBody("text/csv"),
        }),
      ),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (file) upload.mutate(file);
  };
  const error = upload.error instanceof ApiError ? upload.error : undefined;
  const rows = (error?.body.details ?? [])
    .filter((d) => d.line !== undefined)
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return (
    <div className="flex flex-col gap-4">
      <h2 className="text-xl font-semibold">Targets</h2>
      <p className="text-sm text-slate-600">
        A CSV file with the header <code>participant,goal,period,target</code>; period is{" "}
        <code>YYYY-MM</code> or <code>YYYY-Qn</code>. Every row is imported, or none.
      </p>
      <form
        onSubmit={submit}
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
      >
        <Field id="targets-file" label="Targets CSV file">
          <input
            id="targets-file"
            type="file"
            accept=".csv,text/csv"
            className={inputClass}
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              upload.reset();
            }}
          />
        </Field>
        <Button type="submit" disabled={!file || upload.isPending}>
          {upload.isPending ? "Uploading…" : "Upload targets"}
        </Button>
      </form>
      {upload.data && (
        <p
          role="status"
          className="rounded border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-900"
        >
          {upload.data.duplicate
            ? `This file was already imported (${upload.data.rows} rows); nothing changed.`
            : `Imported ${upload.data.rows} target${upload.data.rows === 1 ? "" : "s"}.`}
        </p>
      )}
      {error && rows.length > 0 ? (
        <section
          aria-label="Rows to fix"
          className="rounded-lg border border-red-300 bg-red-50 p-4"
        >
          <p role="alert" className="mb-2 text-sm font-medium text-red-800">
            Nothing was imported: fix {rows.length} row{rows.length === 1 ? "" : "s"} and upload the
            file again.
          </p>
          <table className="w-full text-sm">
            <thead>
              <tr className="text-left">
                <th className="py-1">Line</th>
                <th className="py-1">Field</th>
                <th className="py-1">Problem</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d, i) => (
                <tr key={i} className="border-t border-red-200">
                  <td className="py-1">Line {d.line}</td>
                  <td className="py-1">{d.field ?? "—"}</td>
                  <td className="py-1">{d.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : (
        <ErrorMessage error={upload.error} />
      )}
    </div>
  );
}
