import { Button, Field, inputClass, invalid } from "./ui.tsx";

export interface LevelDraft {
  key: string;
  name: string;
}

/**
 * The rows of a program's levels, a key and a name each, with Add and Remove;
 * the new-program form and the program's settings edit them the same way.
 */
export function LevelsEditor({
  idPrefix,
  levels,
  onChange,
  messageFor,
  placeholders,
}: {
  /** Each row's inputs are `${idPrefix}-${i}-key` and `${idPrefix}-${i}-name`. */
  idPrefix: string;
  levels: LevelDraft[];
  onChange: (levels: LevelDraft[]) => void;
  /** The API's message for a path such as `levels.0.key`, if it refused one. */
  messageFor: (path: string) => string | undefined;
  placeholders?: LevelDraft;
}) {
  return (
    <>
      <ol className="flex flex-col gap-3">
        {levels.map((level, i) => {
          const n = i + 1;
          const setLevel = (change: Partial<LevelDraft>) =>
            onChange(levels.map((l, j) => (j === i ? { ...l, ...change } : l)));
          const keyId = `${idPrefix}-${i}-key`;
          const nameId = `${idPrefix}-${i}-name`;
          return (
            <li key={i} className="grid grid-cols-[1fr_1fr_auto] items-start gap-2">
              <Field id={keyId} label={`Level ${n} key`} error={messageFor(`levels.${i}.key`)}>
                <input
                  id={keyId}
                  className={inputClass}
                  value={level.key}
                  placeholder={placeholders?.key}
                  onChange={(e) => setLevel({ key: e.target.value })}
                  {...invalid(keyId, messageFor(`levels.${i}.key`))}
                />
              </Field>
              <Field id={nameId} label={`Level ${n} name`} error={messageFor(`levels.${i}.name`)}>
                <input
                  id={nameId}
                  className={inputClass}
                  value={level.name}
                  placeholder={placeholders?.name}
                  onChange={(e) => setLevel({ name: e.target.value })}
                  {...invalid(nameId, messageFor(`levels.${i}.name`))}
                />
              </Field>
              <Button
                variant="secondary"
                className="mt-6 px-2"
                aria-label={`Remove level ${n}`}
                onClick={() => onChange(levels.filter((_, j) => j !== i))}
              >
                ×
              </Button>
            </li>
          );
        })}
      </ol>
      <div>
        <Button variant="secondary" onClick={() => onChange([...levels, { key: "", name: "" }])}>
          Add level
        </Button>
      </div>
    </>
  );
}
