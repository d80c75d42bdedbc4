import { createClient, type Schema } from "../shared/api.ts";

/**
 * The admin key lives in sessionStorage: it survives a reload but not the
 * tab, so a shared machine does not keep a brand's key around.
 */
const KEY = "laurel.admin.key";
const PROGRAM = "laurel.admin.program";

export const session = {
  key: () => sessionStorage.getItem(KEY),
  signIn: (key: string) => sessionStorage.setItem(KEY, key),
  signOut: () => {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(PROGRAM);
  },
  program: () => sessionStorage.getItem(PROGRAM),
  setProgram: (id: string) => sessionStorage.setItem(PROGRAM, id),
};

let refused: (message: string) => void = () => {};

/**
 * Who hears that the API refused the signed-in key (revoked, say): the console
 * signs out and says why. Returns a function that stops listening.
 */
export function onKeyRefused(listener: (message: string) => void): () => void {
  refused = listener;
  return () => {
    refused = () => {};
  };
}

export const api = createClient(session.key, (error) => refused(error.message));

export type Program = Schema<"Program">;
