// The two stores creatives' files live in: a directory, and an S3-compatible
// bucket, here a real S3 server (s3rver) on a loopback port, reached through
// the same SigV4-signed requests Laurel sends to AWS or MinIO.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newApp } from "../../src/api/app.ts";
import { createAdminKey } from "../../src/cli/bootstrap.ts";
import { creativeFilesOf, readConfig } from "../../src/cli/config.ts";
import { createServices } from "../../src/engine/services.ts";
import { parseS3Url, s3CreativeFiles } from "../../src/integrations/s3-creative-files.ts";
import {
  CreativeStoreError,
  directoryCreativeFiles,
  type CreativeFiles,
} from "../../src/store/creative-files.ts";
import { openPglite, type Database } from "../../src/store/db.ts";
import { migrate } from "../../src/store/migrate.ts";
import { multipart, PNG_BYTES } from "../support/creatives.ts";

interface S3Server {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

// s3rver ships no types; this is the part of it the tests use.
const S3rver = createRequire(import.meta.url)("s3rver") as new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string; configs: string[] }[];
}) => S3Server;

/** s3rver's own account: any other key is unknown to it. */
const ACCESS_KEY = "S3RVER";
const SECRET = "S3RVER";
const BUCKET = "laurel-creatives";

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** What every store does, the same for a directory and a bucket. */
function behavesAsAStore(open: () => CreativeFiles) {
  it("gives back what was put, byte for byte, and its size", async () => {
    const files = open();
    const bytes = new Uint8Array([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    await files.put("prg_1/cre_put", bytes, "image/png");
    const stored = await files.get("prg_1/cre_put");
    expect(stored?.sizeBytes).toBe(bytes.byteLength);
    expect((await readAll(stored?.body as Readable)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("answers null for a key it has nothing under", async () => {
    expect(await open().get("prg_1/cre_never")).toBeNull();
  });

  it("deletes a file, and deleting one that is not there is no error", async () => {
    const files = open();
    await files.put("prg_1/cre_gone", PNG_BYTES, "image/png");
    await files.delete("prg_1/cre_gone");
    expect(await files.get("prg_1/cre_gone")).toBeNull();
    await expect(files.delete("prg_1/cre_gone")).resolves.toBeUndefined();
  });

  it("refuses a key that could name a place outside its own", async () => {
    await expect(open().put("../escape", PNG_BYTES, "image/png")).rejects.toThrow(
      /not a creative key/,
    );
  });
}

describe("creative files in a directory", () => {
  let directory = "";
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "laurel-creative-files-"));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  behavesAsAStore(() => directoryCreativeFiles(directory));

  it("writes through a temporary file renamed into place, leaving no temporary behind", async () => {
    const files = directoryCreativeFiles(directory);
    await files.put("prg_2/cre_atomic", PNG_BYTES, "image/png");
    expect(await readdir(join(directory, "prg_2"))).toEqual(["cre_atomic"]);
    expect(
      (await readFile(join(directory, "prg_2", "cre_atomic"))).equals(Buffer.from(PNG_BYTES)),
    ).toBe(true);
  });

  it("is LAUREL_DATA/creatives unless LAUREL_S3_URL is set, with PostgreSQL too", () => {
    const files = creativeFilesOf(
      readConfig({ LAUREL_DATA: directory, DATABASE_URL: "postgres://db.example.com/laurel" }),
    );
    expect(files.where).toBe(`the directory ${join(directory, "creatives")}`);
  });
});

describe("creative files in an S3 bucket", () => {
  let server: S3Server;
  let serverDirectory = "";
  let endpoint = "";
  const urlWith = (access: string, secret: string, bucket = BUCKET) =>
    `${endpoint.replace("://", `://${access}:${secret}@`)}/${bucket}?region=us-east-1`;

  beforeAll(async () => {
    serverDirectory = await mkdtemp(join(tmpdir(), "laurel-s3rver-"));
    server = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: serverDirectory,
      configureBuckets: [{ name: BUCKET, configs: [] }],
    });
    const address = await server.run();
    endpoint = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await server.close();
    await rm(serverDirectory, { recursive: true, force: true });
  });

  const bucket = () => {
    const parsed = parseS3Url(urlWith(ACCESS_KEY, SECRET));
    if (!parsed.ok) throw new Error(parsed.message);
    return s3CreativeFiles(parsed.location);
  };

  behavesAsAStore(bucket);

  it("reads LAUREL_S3_URL: keys, path-style bucket and region, and names none of the secret", () => {
    const parsed = parseS3Url(
      "https://AKIA123:s3cr%2Ft@s3.example.com:9000/my-bucket?region=eu-west-1",
    );
    expect(parsed).toEqual({
      ok: true,
      location: {
        endpoint: "https://s3.example.com:9000",
        bucket: "my-bucket",
        region: "eu-west-1",
        accessKeyId: "AKIA123",
        secretAccessKey: "s3cr/t",
      },
    });
    const files = s3CreativeFiles(parsed.ok ? parsed.location : (undefined as never));
    expect(files.where).toBe("the S3 bucket my-bucket at https://s3.example.com:9000");
    expect(files.where).not.toContain("s3cr");
  });

  it("refuses a LAUREL_S3_URL without keys or a bucket, without repeating it", () => {
    expect(() => readConfig({ LAUREL_S3_URL: "https://s3.example.com/bucket" })).toThrow(
      /LAUREL_S3_URL: must carry the access key and the secret/,
    );
    const noBucket = () => readConfig({ LAUREL_S3_URL: "https://KEY:topsecret@s3.example.com/" });
    expect(noBucket).toThrow(/must name one bucket/);
    expect(noBucket).not.toThrow(/topsecret/);
  });

  it("says bad credentials plainly, without the secret, instead of crashing", async () => {
    const parsed = parseS3Url(urlWith("NOT-A-KEY", "wrong-secret-value"));
    if (!parsed.ok) throw new Error(parsed.message);
    const files = s3CreativeFiles(parsed.location);
    const failure = files.put("prg_1/cre_denied", PNG_BYTES, "image/png");
    await expect(failure).rejects.toBeInstanceOf(CreativeStoreError);
    await expect(failure).rejects.toThrow(
      /refused to store a file: 403 InvalidAccessKeyId.*check the access key and secret in LAUREL_S3_URL/,
    );
    await expect(failure).rejects.not.toThrow(/wrong-secret-value/);
  });

  it("says a bucket it cannot reach plainly", async () => {
    const parsed = parseS3Url("http://KEY:SECRET@127.0.0.1:1/nowhere");
    if (!parsed.ok) throw new Error(parsed.message);
    await expect(s3CreativeFiles(parsed.location).get("prg_1/cre_x")).rejects.toThrow(
      /cannot reach the S3 bucket nowhere at http:\/\/127\.0\.0\.1:1 to read a file/,
    );
  });

  describe("behind the API, chosen by LAUREL_S3_URL", () => {
    let db: Database;
    beforeAll(async () => {
      db = await openPglite();
      await migrate(db);
    });
    afterAll(async () => {
      await db.close();
    });
    let brands = 0;

    const open = async (s3Url: string) => {
      const services = createServices(db, {
        publicUrl: "https://laurel.test",
        creativeFiles: creativeFilesOf(readConfig({ LAUREL_S3_URL: s3Url })),
      });
      const app = await newApp(services);
      const { secret: key } = await createAdminKey(services, `brand-s3-${++brands}`);
      const program = await app.inject({
        method: "POST",
        url: "/v1/programs",
        headers: { authorization: `Bearer ${key}` },
        payload: { name: "Bucketed", currency: "USD" },
      });
      const programId = program.json<{ id: string }>().id;
      const upload = () => {
        const form = multipart({
          name: "Banner",
          file: { fileName: "banner.png", contentType: "image/png", bytes: PNG_BYTES },
        });
        return app.inject({
          method: "POST",
          url: `/v1/programs/${programId}/creatives`,
          headers: { authorization: `Bearer ${key}`, "content-type": form.contentType },
          payload: form.payload,
        });
      };
      return {
        app,
        key,
        programId,
        upload,
        close: () => app.close(),
      };
    };

    it("uploads a banner into the bucket, serves it from there, and deletes it from there", async () => {
      const laurel = await open(urlWith(ACCESS_KEY, SECRET));
      try {
        const created = await laurel.upload();
        expect(created.statusCode).toBe(201);
        const creative = created.json<{ id: string; url: string }>();
        expect(await bucket().get(`${laurel.programId}/${creative.id}`)).not.toBeNull();
        const file = await laurel.app.inject({
          method: "GET",
          url: creative.url.slice("https://laurel.test".length),
        });
        expect(file.statusCode).toBe(200);
        expect(file.headers["content-type"]).toBe("image/png");
        expect(file.rawPayload.equals(Buffer.from(PNG_BYTES))).toBe(true);
        const deleted = await laurel.app.inject({
          method: "DELETE",
          url: `/v1/programs/${laurel.programId}/creatives/${creative.id}`,
          headers: { authorization: `Bearer ${laurel.key}` },
        });
        expect(deleted.statusCode).toBe(204);
        expect(await bucket().get(`${laurel.programId}/${creative.id}`)).toBeNull();
      } finally {
        await laurel.close();
      }
    });

    it("answers a public read the bucket refuses with a 503 that names neither the bucket nor its host", async () => {
      const good = await open(urlWith(ACCESS_KEY, SECRET));
      const refused = await open(urlWith("NOT-A-KEY", "wrong-secret-value"));
      try {
        const created = await good.upload();
        const path = created.json<{ url: string }>().url.slice("https://laurel.test".length);
        const file = await refused.app.inject({ method: "GET", url: path });
        expect(file.statusCode).toBe(503);
        expect(file.json()).toMatchObject({ error: { code: "not_ready" } });
        expect(file.body).not.toContain(BUCKET);
        expect(file.body).not.toContain("127.0.0.1");
      } finally {
        await good.close();
        await refused.close();
      }
    });

    it("answers an upload the bucket refuses with a 503 saying why, and keeps no record of it", async () => {
      const laurel = await open(urlWith("NOT-A-KEY", "wrong-secret-value"));
      try {
        const refused = await laurel.upload();
        expect(refused.statusCode).toBe(503);
        expect(refused.json()).toMatchObject({
          error: {
            code: "not_ready",
            message: expect.stringContaining("check the access key and secret in LAUREL_S3_URL"),
          },
        });
        expect(refused.body).not.toContain("wrong-secret-value");
        const list = await laurel.app.inject({
          method: "GET",
          url: `/v1/programs/${laurel.programId}/creatives`,
          headers: { authorization: `Bearer ${laurel.key}` },
        });
        expect(list.json()).toEqual({ items: [], next: null });
      } finally {
        await laurel.close();
      }
    });
  });
});
