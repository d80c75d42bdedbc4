import { createHash } from "node:crypto";
import { posix } from "node:path";
import SftpClient from "ssh2-sftp-client";

/** Where the drop folder is and how to log in; see LAUREL_SFTP_* in the README. */
export interface SftpConfig {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** The drop folder, holding one folder per program id. */
  readonly path: string;
  readonly password?: string | undefined;
  readonly privateKey?: string | Buffer | undefined;
  /** The server's host key fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`); unset, any key is accepted. */
  readonly hostKey?: string | undefined;
  readonly pollSeconds: number;
  /**
   * A file changed less than this long ago may still be uploading and waits
   * for the next poll. 0 (the default here) takes every file at once.
   */
  readonly settleSeconds?: number | undefined;
}

/**
 * Reads `sftp://user@host:port/path`. The path is absolute; `/~/path` is
 * relative to the user's home folder, and no path is the home folder itself.
 */
export function parseSftpUrl(
  text: string,
):
  | { ok: true; host: string; port: number; username: string; path: string }
  | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: "is not a URL; write sftp://user@host:port/path" };
  }
  if (url.protocol !== "sftp:")
    return { ok: false, message: `must start with sftp://, not ${url.protocol}//` };
  if (url.hostname === "")
    return { ok: false, message: "names no host: write sftp://user@host:port/path" };
  if (url.username === "")
    return { ok: false, message: "names no user: write sftp://user@host:port/path" };
  if (url.password !== "")
    return {
      ok: false,
      message: "holds a password: put it in LAUREL_SFTP_PASSWORD, where it stays out of logs",
    };
  const path = decodeURIComponent(url.pathname);
  return {
    ok: true,
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port === "" ? 22 : Number(url.port),
    username: decodeURIComponent(url.username),
    path: path === "" || path === "/~" ? "." : path.startsWith("/~/") ? path.slice(3) : path,
  };
}

export interface RemoteEntry {
  readonly name: string;
  readonly kind: "file" | "folder" | "other";
  /** Last modification, whole seconds as SFTP reports it, in milliseconds. */
  readonly modifiedMs: number;
}

/** The few operations the pickup needs, so it can be read without SFTP in mind. */
export interface DropFolder {
  list(path: string): Promise<RemoteEntry[]>;
  read(path: string): Promise<Buffer>;
  write(path: string, data: Buffer | string): Promise<void>;
  /** Creates the folder unless it is there. */
  ensureFolder(path: string): Promise<void>;
  /** Renames within the server; the target must not exist. */
  move(from: string, to: string): Promise<void>;
  close(): Promise<void>;
}

export const remotePath = (...parts: string[]): string => posix.join(...parts);

/** The OpenSSH fingerprint of a public key blob: `SHA256:` and unpadded base64. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

/** Connects to the drop folder's server; errors between calls go to `onError`, not to the process. */
export async function openDropFolder(
  config: SftpConfig,
  onError: (error: unknown) => void = () => undefined,
): Promise<DropFolder> {
  const client = new SftpClient("laurel-targets", {
    error: onError,
    end: () => undefined,
    close: () => undefined,
  });
  const expected = config.hostKey?.replace(/=+$/, "");
  await client.connect({
    host: config.host,
    port: config.port,
    username: config.username,
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(config.privateKey === undefined ? {} : { privateKey: config.privateKey }),
    ...(expected === undefined
      ? {}
      : { hostVerifier: (key: Buffer) => fingerprintOf(key) === expected }),
    readyTimeout: 20_000,
    // One pickup tries once; the next poll is the retry.
    retries: 0,
  });
  return {
    list: async (path) =>
      (await client.list(path)).map((entry) => ({
        name: entry.name,
        kind: entry.type === "-" ? "file" : entry.type === "d" ? "folder" : "other",
        modifiedMs: entry.modifyTime,
      })),
    read: async (path) => {
      const data = await client.get(path);
      if (!Buffer.isBuffer(data)) throw new Error(`reading ${path} gave no data`);
      return data;
    },
    write: async (path, data) => {
      await client.put(Buffer.from(data), path);
    },
    ensureFolder: async (path) => {
      if ((await client.exists(path)) === "d") return;
      await client.mkdir(path, true);
    },
    move: async (from, to) => {
      await client.rename(from, to);
    },
    close: async () => {
      await client.end();
    },
  };
}
