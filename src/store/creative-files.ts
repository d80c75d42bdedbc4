import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";

/** A stored file as it is read back: its bytes as a stream, and how many there are. */
export interface StoredFile {
  body: Readable;
  sizeBytes: number;
}

/**
 * Where creatives' files live: a directory, or an S3-compatible bucket. Keys
 * are made by Laurel (`<programId>/<creativeId>`), never taken from a request.
 */
export interface CreativeFiles {
  /** Where the files are, for a log line; never holds a secret. */
  readonly where: string;
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The file, or null when there is none under `key`. */
  get(key: string): Promise<StoredFile | null>;
  /** Removes the file; removing one that is not there is not an error. */
  delete(key: string): Promise<void>;
}

/**
 * The store could not be reached or refused Laurel (bad S3 keys, a missing
 * bucket, a full disk): a fault of the setup, not of the request, said in
 * words an operator can act on.
 */
export class CreativeStoreError extends Error {}

const KEY_PATTERN = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

export function checkedKey(key: string): string {
  // Keys become paths: one with `..` or a leading slash could leave the directory.
  if (!KEY_PATTERN.test(key)) throw new Error(`not a creative key: ${JSON.stringify(key)}`);
  return key;
}

/**
 * Files under `directory` (LAUREL_DATA/creatives by default). A file is
 * written to a temporary name beside its place and renamed into it, so a
 * reader never sees half a file and a crash leaves at most a stray temporary.
 */
export function directoryCreativeFiles(directory: string): CreativeFiles & { directory: string } {
  const pathOf = (key: string) => join(directory, checkedKey(key));
  return {
    directory,
    where: `the directory ${directory}`,
    async put(key, bytes) {
      const path = pathOf(key);
      const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
      try {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(temporary, bytes, { flag: "wx" });
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw new CreativeStoreError(
          `cannot write a creative's file under ${directory}: ${(error as Error).message}`,
        );
      }
    },
    async get(key) {
      const path = pathOf(key);
      let sizeBytes: number;
      try {
        sizeBytes = (await stat(path)).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
      return { body: createReadStream(path), sizeBytes };
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
