// The SFTP drop folder against a real OpenSSH server on loopback, started by
// the test in a temp folder with keys of its own.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import SftpClient from "ssh2-sftp-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig, sftpConfigOf } from "../../src/cli/config.ts";
import { openDropFolder, parseSftpUrl, type SftpConfig } from "../../src/integrations/sftp.ts";
import { pickupTargets } from "../../src/jobs/pickup-targets.ts";
import { startScheduler, type Logger } from "../../src/jobs/scheduler.ts";
import { openPglite } from "../../src/store/db.ts";
import { countRows, createParticipant, createProgram, openApi, type Api } from "../support/api.ts";
import { addGoal, perParticipantGoal, targetsCsv } from "../support/targets.ts";

const run = promisify(execFile);
const SSHD = "/usr/sbin/sshd";
const sshdInstalled = existsSync(SSHD);

// Like the PostgreSQL tests: without sshd the suite still shows up, as one
// passing test that says why it did not run.
if (!sshdInstalled)
  describe("SFTP target pickup against OpenSSH", () => {
    it(`did not run: ${SSHD} is not installed`, () => {
      console.warn(
        `the SFTP pickup tests were skipped because ${SSHD} is not installed (install Debian's openssh-server)`,
      );
    });
  });

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

interface Sshd {
  port: number;
  clientKey: Buffer;
  hostKey: string;
  stop(): Promise<void>;
}

/** sshd on 127.0.0.1 and a free port, taking only the test's client key. */
async function startSshd(dir: string): Promise<Sshd> {
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_key")]);
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "client_key")]);
  await writeFile(join(dir, "authorized_keys"), await readFile(join(dir, "client_key.pub")));
  const { stdout } = await run("ssh-keygen", ["-l", "-f", join(dir, "host_key.pub")]);
  const hostKey = stdout.split(" ")[1] ?? "";
  const port = await freePort();
  await writeFile(
    join(dir, "sshd_config"),
    [
      "ListenAddress 127.0.0.1",
      `Port ${port}`,
      `HostKey ${join(dir, "host_key")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "Subsystem sftp internal-sftp",
      "UsePAM no",
      `PidFile ${join(dir, "sshd.pid")}`,
      "StrictModes no",
      "",
    ].join("\n"),
  );
  // sshd refuses to start without its privilege separation directory.
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const child: ChildProcess = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if (await accepts(port))
      return { port, clientKey: await readFile(join(dir, "client_key")), hostKey, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`sshd did not start:\n${log}`);
}

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (_fields, message) => lines.push(`info: ${message}`),
    error: (_fields, message) => lines.push(`error: ${message}`),
  };
}

describe.skipIf(!sshdInstalled)("SFTP target pickup against OpenSSH", () => {
  let dir = "";
  let sshd: Sshd | undefined;
  let api: (Api & { close(): Promise<void> }) | undefined;
  let config: SftpConfig;
  let programId = "";
  let goalId = "";
  let drop = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "laurel-sftp-"));
    drop = join(dir, "drop");
    await mkdir(drop);
    sshd = await startSshd(dir);
    config = {
      host: "127.0.0.1",
      port: sshd.port,
      username: userInfo().username,
      path: drop,
      privateKey: sshd.clientKey,
      hostKey: sshd.hostKey,
      pollSeconds: 60,
    };
    api = await openApi({ name: "pglite", open: () => openPglite() });
    programId = (await createProgram(api)).id;
    await createParticipant(api, programId, { externalId: "amb-42" });
    await createParticipant(api, programId, { externalId: "amb-43" });
    goalId = await addGoal(api.services, programId, perParticipantGoal("monthly"));
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ready = () => {
    if (!api || !sshd) throw new Error("beforeAll did not finish");
    return { api, sshd };
  };

  /** Puts files in the drop folder the way a brand would: over SFTP with its own client. */
  async function upload(files: Record<string, string>, folder = programId): Promise<void> {
    const client = new SftpClient();
    await client.connect({
      host: "127.0.0.1",
      port: ready().sshd.port,
      username: config.username,
      privateKey: ready().sshd.clientKey,
    });
    try {
      const target = `${drop}/${folder}`;
      if (!(await client.exists(target))) await client.mkdir(target, true);
      for (const [name, text] of Object.entries(files))
        await client.put(Buffer.from(text), `${target}/${name}`);
    } finally {
      await client.end();
    }
  }

  const listing = async (path: string) => (await readdir(path)).sort();

  async function targets() {
    return ready().api.db.query<{ external_id: string; period: string; target: number }>(
      `select p.external_id, t.period, t.target from participant_targets t
       join participants p on p.program_id = t.program_id and p.id = t.participant_id
       where t.program_id = $1 order by p.external_id, t.period`,
      [programId],
    );
  }

  it("imports a good file into done/, moves a bad one to failed/ with its errors, and leaves other files", async () => {
    const good = targetsCsv(`amb-42,${goalId},2026-11,500000`, `amb-43,${goalId},2026-11,7`);
    await upload({
      "good.csv": good,
      "bad.csv": targetsCsv(`amb-42,${goalId},2026-12,1`, `nobody,${goalId},2026-12,1`),
      "notes.txt": "not a target file",
    });
    await upload({ "stray.csv": good }, "prg_not_a_program");

    const log = recordingLog();
    const summary = await pickupTargets(ready().api.services, config, log);
    expect(summary).toEqual({ imported: 1, duplicates: 0, failed: 1, retried: 0 });

    expect(await targets()).toEqual([
      { external_id: "amb-42", period: "2026-11", target: 500000 },
      { external_id: "amb-43", period: "2026-11", target: 7 },
    ]);
    const [stored] = await ready().api.db.query<{ source: string; file_name: string }>(
      "select source, file_name from target_imports where program_id = $1",
      [programId],
    );
    expect(stored).toEqual({ source: "sftp", file_name: "good.csv" });

    const folder = join(drop, programId);
    expect(await listing(folder)).toEqual(["done", "failed", "notes.txt"]);
    expect(await listing(join(folder, "done"))).toEqual(["good.csv"]);
    expect(await listing(join(folder, "failed"))).toEqual(["bad.csv", "bad.csv.errors.txt"]);
    const errors = await readFile(join(folder, "failed", "bad.csv.errors.txt"), "utf8");
    expect(errors).toMatch(/^1 bad row; nothing was imported/);
    expect(errors).toMatch(/^line 3, participant: .*"nobody"/m);
    expect(await listing(join(drop, "prg_not_a_program"))).toEqual(["stray.csv"]);
    expect(log.lines).toContain("info: a drop folder names no program; its files are left alone");
  }, 60_000);

  it("treats the same good file dropped again as a no-op, keeping both copies in done/", async () => {
    const before = await countRows(ready().api.db, "target_imports", programId);
    await upload({
      "good.csv": targetsCsv(`amb-42,${goalId},2026-11,500000`, `amb-43,${goalId},2026-11,7`),
    });
    const summary = await pickupTargets(ready().api.services, config);
    expect(summary).toEqual({ imported: 0, duplicates: 1, failed: 0, retried: 0 });
    expect(await countRows(ready().api.db, "target_imports", programId)).toBe(before);
    expect(await listing(join(drop, programId, "done"))).toEqual(["good-2.csv", "good.csv"]);
  }, 60_000);

  it("leaves a file that may still be uploading for the next poll", async () => {
    await upload({ "late.csv": targetsCsv(`amb-42,${goalId},2027-01,1`) });
    const summary = await pickupTargets(ready().api.services, { ...config, settleSeconds: 3600 });
    expect(summary).toEqual({ imported: 0, duplicates: 0, failed: 0, retried: 0 });
    expect(await listing(join(drop, programId))).toContain("late.csv");
    expect(await pickupTargets(ready().api.services, config)).toMatchObject({ imported: 1 });
  }, 60_000);

  it("logs a file that disappears mid-pickup, goes on with the others, and tries again next time", async () => {
    await upload({
      "a-vanishing.csv": targetsCsv(`amb-42,${goalId},2027-03,3`),
      "b-staying.csv": targetsCsv(`amb-43,${goalId},2027-03,4`),
    });
    const log = recordingLog();
    // Another client takes the first file away between the listing and the download.
    const racing: typeof openDropFolder = async (settings, onError) => {
      const folder = await openDropFolder(settings, onError);
      return {
        ...folder,
        read: async (path) => {
          if (path.endsWith("a-vanishing.csv")) await rm(path);
          return folder.read(path);
        },
      };
    };
    const summary = await pickupTargets(ready().api.services, config, log, racing);
    expect(summary).toEqual({ imported: 1, duplicates: 0, failed: 0, retried: 1 });
    expect(log.lines).toContain(
      "error: a target file was not picked up; trying again at the next poll",
    );
    expect(await listing(join(drop, programId, "done"))).toContain("b-staying.csv");
  }, 60_000);

  it("is started by the scheduler when a drop folder is configured", async () => {
    await upload({ "scheduled.csv": targetsCsv(`amb-42,${goalId},2027-04,5`) });
    const scheduler = startScheduler(ready().api.services, recordingLog(), { sftp: config });
    try {
      const done = join(drop, programId, "done");
      for (let i = 0; i < 100 && !(await listing(done)).includes("scheduled.csv"); i++)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await listing(done)).toContain("scheduled.csv");
    } finally {
      await scheduler.stop();
    }
  }, 60_000);

  it("logs and returns when the server cannot be reached or is not the one expected", async () => {
    const unreachable = recordingLog();
    const nobody = await freePort();
    expect(
      await pickupTargets(ready().api.services, { ...config, port: nobody }, unreachable),
    ).toEqual({
      imported: 0,
      duplicates: 0,
      failed: 0,
      retried: 0,
    });
    expect(unreachable.lines).toEqual([
      "error: cannot reach the SFTP drop folder; trying again at the next poll",
    ]);

    await upload({ "other.csv": targetsCsv(`amb-43,${goalId},2027-02,3`) });
    const impostor = recordingLog();
    const wrongKey = "SHA256:" + "A".repeat(43);
    const summary = await pickupTargets(
      ready().api.services,
      { ...config, hostKey: wrongKey },
      impostor,
    );
    expect(summary.imported).toBe(0);
    expect(impostor.lines).toEqual([
      "error: cannot reach the SFTP drop folder; trying again at the next poll",
    ]);
    expect(await listing(join(drop, programId))).toContain("other.csv");
  }, 60_000);
});

describe("SFTP settings", () => {
  it("reads sftp://user@host:port/path, the home folder with /~/, and port 22 by default", () => {
    expect(parseSftpUrl("sftp://drop@files.example.com:2222/srv/laurel")).toEqual({
      ok: true,
      host: "files.example.com",
      port: 2222,
      username: "drop",
      path: "/srv/laurel",
    });
    expect(parseSftpUrl("sftp://drop@files.example.com/~/laurel")).toMatchObject({
      port: 22,
      path: "laurel",
    });
    expect(parseSftpUrl("sftp://drop@files.example.com")).toMatchObject({ path: "." });
  });

  it("refuses a URL without a user, of another scheme, or with a password in it", () => {
    expect(parseSftpUrl("sftp://files.example.com/x")).toMatchObject({ ok: false });
    expect(parseSftpUrl("ftp://drop@files.example.com/x")).toMatchObject({ ok: false });
    expect(parseSftpUrl("sftp://drop:secret@files.example.com/x")).toMatchObject({
      ok: false,
      message: expect.stringContaining("LAUREL_SFTP_PASSWORD"),
    });
  });

  it("takes the drop folder from the environment, polling every 60 s unless told", async () => {
    expect(await sftpConfigOf(readConfig({}))).toBeNull();
    const config = await sftpConfigOf(
      readConfig({
        LAUREL_SFTP_URL: "sftp://drop@files.example.com/in",
        LAUREL_SFTP_PASSWORD: "pw",
      }),
    );
    expect(config).toMatchObject({
      host: "files.example.com",
      port: 22,
      username: "drop",
      path: "/in",
      password: "pw",
      pollSeconds: 60,
    });
    expect(() => readConfig({ LAUREL_SFTP_URL: "sftp://drop@files.example.com/in" })).toThrow(
      /LAUREL_SFTP_PASSWORD or LAUREL_SFTP_KEY_FILE/,
    );
    await expect(
      sftpConfigOf(
        readConfig({
          LAUREL_SFTP_URL: "sftp://drop@files.example.com/in",
          LAUREL_SFTP_KEY_FILE: "/nonexistent/key",
          LAUREL_SFTP_POLL_SECONDS: "5",
        }),
      ),
    ).rejects.toThrow(/LAUREL_SFTP_KEY_FILE: cannot read \/nonexistent\/key/);
  });
});
