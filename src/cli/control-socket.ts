import { rmSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { createConnection, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { CommandIo } from "./command-line.ts";

/**
 * The embedded database is one process at a time, so while `laurel serve`
 * holds it, `laurel demo`, `laurel keys …` and the other commands are carried
 * out by the server: the command line goes over a Unix socket in the data
 * directory (only its owner may connect), and the output comes back line by
 * line as JSON: {"stdout": text}, {"stderr": text}, then {"code": n}.
 */
export const controlSocketOf = (dataDir: string): string => join(dataDir, "laurel.sock");

type Reply = { stdout: string } | { stderr: string } | { code: number };

/** Serves commands at `path` until closed; the caller holds the data directory's lock. */
export async function listenForCommands(
  path: string,
  run: (argv: string[], io: CommandIo) => Promise<number>,
): Promise<{ close(): Promise<void> }> {
  // Whoever left a socket behind has let go of the lock the caller now holds.
  rmSync(path, { force: true });
  const server = createServer((socket) => void answer(socket, run));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  await chmod(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(path, { force: true });
      }),
  };
}

async function answer(
  socket: Socket,
  run: (argv: string[], io: CommandIo) => Promise<number>,
): Promise<void> {
  socket.on("error", () => socket.destroy());
  const send = (reply: Reply) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(reply)}\n`);
  };
  const lines = createInterface({ input: socket });
  const first = await new Promise<string | undefined>((resolve) => {
    lines.once("line", resolve);
    lines.once("close", () => resolve(undefined));
  });
  lines.close();
  let code = 1;
  try {
    const request = JSON.parse(first ?? "null") as { argv?: unknown } | null;
    const argv = request?.argv;
    if (!Array.isArray(argv) || !argv.every((a) => typeof a === "string"))
      throw new Error("the request is not a command line");
    code = await run(argv, {
      stdout: { write: (text: string) => send({ stdout: text }), isTTY: false },
      stderr: { write: (text: string) => send({ stderr: text }), isTTY: false },
    });
  } catch (error) {
    send({ stderr: `${error instanceof Error ? error.message : String(error)}\n` });
  }
  send({ code });
  socket.end();
}

/**
 * Has the server at `path` run `argv`, writing its output to `io`; answers
 * the exit code, or null when no server answers there.
 */
export async function sendCommand(
  path: string,
  argv: readonly string[],
  io: CommandIo,
): Promise<number | null> {
  const socket = createConnection(path);
  const connected = await new Promise<boolean>((resolve) => {
    socket.once("connect", () => resolve(true));
    socket.once("error", () => resolve(false));
  });
  if (!connected) return null;
  socket.write(`${JSON.stringify({ argv })}\n`);
  let code: number | null = null;
  try {
    for await (const line of createInterface({ input: socket })) {
      const reply = JSON.parse(line) as Reply;
      if ("stdout" in reply) io.stdout.write(reply.stdout);
      else if ("stderr" in reply) io.stderr.write(reply.stderr);
      else code = reply.code;
    }
  } catch {
    // The connection broke: what arrived was written; the code says the rest.
  }
  // A server that went away halfway has not said how it ended.
  return code ?? 1;
}
