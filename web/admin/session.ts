import { createClient } from "../shared/api.ts";

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

export const api = createClient(session.key);

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface Program {
  id: string;
  name: string;
  currency: string;
  timezone: string;
  levels?: { key: string; name: string }[];
}
