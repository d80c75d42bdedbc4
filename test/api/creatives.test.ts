import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { CreativeFiles } from "../../src/store/creative-files.ts";
import {
  conformanceOf,
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  PUBLIC_URL,
  useApi,
  type Api,
  type Collection,
  type Reply,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import {
  ELF_BYTES,
  PDF_BYTES,
  PNG_BYTES,
  SVG_BYTES,
  ZIP_BYTES,
  multipart,
} from "../support/creatives.ts";

const MB = 1024 * 1024;

interface CreativeBody {
  id: string;
  name: string;
  kind: "image" | "pdf" | "text";
  url: string | null;
  contentType: string | null;
  size: number | null;
  text: string | null;
  createdAt: string;
}

interface MyCreativeBody {
  id: string;
  name: string;
  kind: string;
  link: string;
  code: string;
  text: string | null;
  url: string | null;
  downloadUrl: string | null;
  embedHtml: string | null;
}

/** Uploads a form through the app itself, checked against the document like every call. */
async function upload(
  api: Api,
  programId: string,
  parts: Parameters<typeof multipart>[0],
  key: string | null = api.key,
): Promise<Reply<CreativeBody>> {
  const { contentType, payload } = multipart(parts);
  const url = `/v1/programs/${programId}/creatives`;
  const response = await api.app.inject({
    method: "POST",
    url,
    headers: {
      "content-type": contentType,
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    payload,
  });
  const problem = (await conformanceOf(api.app)).problem({
    method: "POST",
    url,
    status: response.statusCode,
    contentType: String(response.headers["content-type"] ?? ""),
    text: response.body,
  });
  if (problem !== null) throw new Error(problem);
  return {
    status: response.statusCode,
    body: response.json<CreativeBody>(),
    text: response.body,
    headers: response.headers,
  };
}

/** The public file at a creative's URL, fetched with no credentials. */
function fetchFile(api: Api, url: string) {
  return api.app.inject({ method: "GET", url: url.slice(PUBLIC_URL.length) });
}

/** Every file in the test's creative directory, temporaries included. */
async function storedFiles(files: CreativeFiles): Promise<string[]> {
  if (!("directory" in files) || typeof files.directory !== "string")
    throw new Error("the test app keeps its creatives in a directory");
  const root = files.directory;
  const found = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return found.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function creativeRows(api: Api, programId: string): Promise<number> {
  const [row] = await api.db.query<{ n: number }>(
    "select count(*)::int as n from creatives where program_id = $1",
    [programId],
  );
  return row?.n ?? 0;
}

async function tokenFor(api: Api, programId: string, participantId: string): Promise<string> {
  const reply = await api.call<{ token: string }>(
    "POST",
    `/v1/programs/${programId}/participants/${participantId}/tokens`,
  );
  expectStatus(reply, 201);
  return reply.body.token;
}

describeEachBackend("creatives", (backend) => {
  const api = useApi(backend);
  afterAll(async () => {
    const files = api.services.creativeFiles;
    if ("directory" in files && typeof files.directory === "string")
      await rm(files.directory, { recursive: true, force: true });
  });

  it("takes a PNG banner, answers its public URL and serves it there with its type, nosniff and a long cache", async () => {
    const program = await createProgram(api);
    const reply = await upload(api, program.id, {
      name: "Spring banner",
      file: { fileName: "Spring Banner!.PNG", contentType: "image/png", bytes: PNG_BYTES },
    });
    expectStatus(reply, 201);
    expect(reply.body).toMatchObject({
      name: "Spring banner",
      kind: "image",
      contentType: "image/png",
      size: PNG_BYTES.byteLength,
      text: null,
    });
    expect(reply.body.url).toBe(`${PUBLIC_URL}/creatives/${reply.body.id}/spring-banner.png`);
    const file = await fetchFile(api, reply.body.url ?? "");
    expect(file.statusCode).toBe(200);
    expect(file.headers["content-type"]).toBe("image/png");
    expect(file.headers["x-content-type-options"]).toBe("nosniff");
    expect(file.headers["cache-control"]).toMatch(/public, max-age=\d{7,}/);
    expect(file.headers["content-disposition"]).toBe('inline; filename="spring-banner.png"');
    expect(file.rawPayload.equals(Buffer.from(PNG_BYTES))).toBe(true);
    const download = await fetchFile(api, `${reply.body.url}?download=1`);
    expect(download.headers["content-disposition"]).toBe(
      'attachment; filename="spring-banner.png"',
    );
  });

  it("tells a file by its bytes: PDF bytes named banner.png and declared image/png are stored as a PDF", async () => {
    const program = await createProgram(api);
    const reply = await upload(api, program.id, {
      name: "Brochure",
      file: { fileName: "banner.png", contentType: "image/png", bytes: PDF_BYTES },
    });
    expectStatus(reply, 201);
    expect(reply.body).toMatchObject({ kind: "pdf", contentType: "application/pdf" });
    expect(reply.body.url).toMatch(/\/banner\.pdf$/);
    const file = await fetchFile(api, reply.body.url ?? "");
    expect(file.headers["content-type"]).toBe("application/pdf");
  });

  for (const [what, bytes, found] of [
    ["an ELF program", ELF_BYTES, "application/x-elf"],
    ["a zip archive", ZIP_BYTES, "application/zip"],
    ["plain text", new TextEncoder().encode("just some words, not a picture"), "not a type"],
    ["an SVG, which can carry script", SVG_BYTES, "SVG"],
  ] as const)
    it(`refuses ${what} named banner.png with a 422 naming what it found and what is taken, and stores nothing`, async () => {
      const program = await createProgram(api);
      const before = await storedFiles(api.services.creativeFiles);
      const reply = await upload(api, program.id, {
        name: "Not a banner",
        file: { fileName: "banner.png", contentType: "image/png", bytes },
      });
      expectError(reply, 422, "unsupported_file_type");
      const message = (reply.body as unknown as { error: { message: string } }).error.message;
      expect(message).toContain(found);
      expect(message).toContain("PNG, JPEG, GIF, WebP or PDF");
      expect(await storedFiles(api.services.creativeFiles)).toEqual(before);
      expect(await creativeRows(api, program.id)).toBe(0);
    });

  it("refuses a file of 10 MB and one byte with a 413 naming the limit, and stores nothing", async () => {
    const program = await createProgram(api);
    const before = await storedFiles(api.services.creativeFiles);
    const bytes = new Uint8Array(10 * MB + 1);
    bytes.set(PNG_BYTES);
    const reply = await upload(api, program.id, {
      name: "Too big",
      file: { fileName: "big.png", contentType: "image/png", bytes },
    });
    expectError(reply, 413, "malformed_request");
    expect((reply.body as unknown as { error: { message: string } }).error.message).toContain(
      "10 MB",
    );
    expect(await storedFiles(api.services.creativeFiles)).toEqual(before);
    expect(await creativeRows(api, program.id)).toBe(0);
  });

  it("refuses a form far over the limit before reading it, in the error shape", async () => {
    const program = await createProgram(api);
    const bytes = new Uint8Array(11 * MB);
    bytes.set(PNG_BYTES);
    const reply = await upload(api, program.id, {
      name: "Far too big",
      file: { fileName: "big.png", contentType: "image/png", bytes },
    });
    expectError(reply, 413, "malformed_request");
    expect(await creativeRows(api, program.id)).toBe(0);
  });

  it("takes a file of exactly 10 MB", async () => {
    const program = await createProgram(api);
    const bytes = new Uint8Array(10 * MB);
    bytes.set(PNG_BYTES);
    const reply = await upload(api, program.id, {
      name: "Largest banner",
      file: { fileName: "large.png", contentType: "image/png", bytes },
    });
    expectStatus(reply, 201);
    expect(reply.body.size).toBe(10 * MB);
    const file = await fetchFile(api, reply.body.url ?? "");
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.byteLength).toBe(10 * MB);
  });

  it("answers an upload retried with its Idempotency-Key with the first answer, storing it once", async () => {
    const program = await createProgram(api);
    const form = multipart({
      name: "Retried banner",
      file: { fileName: "retried.png", contentType: "image/png", bytes: PNG_BYTES },
    });
    const send = () =>
      api.app.inject({
        method: "POST",
        url: `/v1/programs/${program.id}/creatives`,
        headers: {
          authorization: `Bearer ${api.key}`,
          "content-type": form.contentType,
          "idempotency-key": `upload-${program.id}`,
        },
        payload: form.payload,
      });
    const first = await send();
    const again = await send();
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json()).toEqual(first.json());
    // The same file in a form with another boundary is another request to the key.
    const reencoded = multipart({
      name: "Retried banner",
      file: { fileName: "retried.png", contentType: "image/png", bytes: PNG_BYTES },
    });
    const conflict = await api.app.inject({
      method: "POST",
      url: `/v1/programs/${program.id}/creatives`,
      headers: {
        authorization: `Bearer ${api.key}`,
        "content-type": reencoded.contentType,
        "idempotency-key": `upload-${program.id}`,
      },
      payload: reencoded.payload,
    });
    expect(conflict.statusCode).toBe(409);
    expect(await creativeRows(api, program.id)).toBe(1);
  });

  it("refuses a form without a file part or with unknown fields, naming the field", async () => {
    const program = await createProgram(api);
    const noFile = await upload(api, program.id, { name: "Nameless" });
    expectError(noFile, 400, "invalid_request");
    expect(noFile.text).toContain('"path":"file"');
    const extra = await upload(api, program.id, {
      name: "Banner",
      colour: "red",
      file: { fileName: "b.png", contentType: "image/png", bytes: PNG_BYTES },
    });
    expectError(extra, 400, "invalid_request");
    expect(extra.text).toContain('"path":"colour"');
    const noName = await upload(api, program.id, {
      file: { fileName: "b.png", contentType: "image/png", bytes: PNG_BYTES },
    });
    expectError(noName, 400, "invalid_request");
    expect(await creativeRows(api, program.id)).toBe(0);
  });

  it("takes a snippet sent as a form's fields too, but not a text and a file at once", async () => {
    const program = await createProgram(api);
    const text = await upload(api, program.id, { name: "Form caption", text: "Mine: {link}" });
    expectStatus(text, 201);
    expect(text.body).toMatchObject({ kind: "text", text: "Mine: {link}", url: null });
    const unknown = await upload(api, program.id, { name: "Coupon", text: "Use {coupon}" });
    expectError(unknown, 422, "unknown_placeholder");
    const both = await upload(api, program.id, {
      name: "Both",
      text: "{link}",
      file: { fileName: "b.png", contentType: "image/png", bytes: PNG_BYTES },
    });
    expectError(both, 400, "invalid_request");
    expect(await creativeRows(api, program.id)).toBe(1);
  });

  it("answers a body that says multipart but is not a form with a 400", async () => {
    const program = await createProgram(api);
    const reply = await api.app.inject({
      method: "POST",
      url: `/v1/programs/${program.id}/creatives`,
      headers: { authorization: `Bearer ${api.key}`, "content-type": "multipart/form-data" },
      payload: "not a form at all",
    });
    expect(reply.statusCode).toBe(400);
    expect(reply.json()).toMatchObject({ error: { code: "malformed_request" } });
  });

  it("fills a text's {link} and {code} with each participant's own in /v1/me/creatives", async () => {
    const program = await createProgram(api);
    const text = await api.call<CreativeBody>("POST", `/v1/programs/${program.id}/creatives`, {
      name: "Instagram caption",
      text: "Shop with me: {link} (code {code}, {code} again)",
    });
    expectStatus(text, 201);
    expect(text.body).toMatchObject({ kind: "text", url: null, size: null });
    expect(text.body.text).toBe("Shop with me: {link} (code {code}, {code} again)");
    const banner = await upload(api, program.id, {
      name: 'Ana\'s "best" <banner>',
      file: { fileName: "b.png", contentType: "image/png", bytes: PNG_BYTES },
    });
    const brochure = await upload(api, program.id, {
      name: "Brochure",
      file: { fileName: "brochure.pdf", contentType: "application/pdf", bytes: PDF_BYTES },
    });
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    const ben = await createParticipant(api, program.id, { externalId: "ben" });
    for (const person of [ana, ben]) {
      const token = await tokenFor(api, program.id, person.id);
      const mine = await api.call<Collection<MyCreativeBody>>(
        "GET",
        "/v1/me/creatives",
        undefined,
        token,
      );
      expectStatus(mine, 200);
      const [caption, image, pdf] = mine.body.items;
      expect(caption).toMatchObject({
        id: text.body.id,
        link: person.referralLink,
        code: person.referralCode,
        text: `Shop with me: ${person.referralLink} (code ${person.referralCode}, ${person.referralCode} again)`,
        url: null,
        embedHtml: null,
      });
      expect(image).toMatchObject({
        id: banner.body.id,
        url: banner.body.url,
        downloadUrl: `${banner.body.url}?download=1`,
        embedHtml: `<a href="${person.referralLink}"><img src="${banner.body.url}" alt="Ana&#39;s &quot;best&quot; &lt;banner&gt;"></a>`,
      });
      expect(pdf).toMatchObject({
        id: brochure.body.id,
        kind: "pdf",
        url: brochure.body.url,
        embedHtml: null,
      });
    }
  });

  it("refuses a text with an unknown placeholder with a 422 naming it and the allowed ones", async () => {
    const program = await createProgram(api);
    const reply = await api.call("POST", `/v1/programs/${program.id}/creatives`, {
      name: "Coupon post",
      text: "Use {coupon} at {link}",
    });
    expectError(reply, 422, "unknown_placeholder");
    expect(reply.text).toContain("{coupon}");
    expect(reply.text).toContain("{link} and {code}");
    expect(await creativeRows(api, program.id)).toBe(0);
  });

  it("lists the program's creatives in pages and reads one", async () => {
    const program = await createProgram(api);
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const reply = await api.call<CreativeBody>("POST", `/v1/programs/${program.id}/creatives`, {
        name: `Post ${n}`,
        text: `Post ${n}: {link}`,
      });
      ids.push(reply.body.id);
    }
    const first = await api.call<Collection<CreativeBody>>(
      "GET",
      `/v1/programs/${program.id}/creatives?limit=2`,
    );
    expect(first.body.items.map((c) => c.id)).toEqual(ids.slice(0, 2));
    const second = await api.call<Collection<CreativeBody>>(
      "GET",
      `/v1/programs/${program.id}/creatives?limit=2&cursor=${first.body.next}`,
    );
    expect(second.body).toEqual({ items: [expect.objectContaining({ id: ids[2] })], next: null });
    const one = await api.call<CreativeBody>(
      "GET",
      `/v1/programs/${program.id}/creatives/${ids[1]}`,
    );
    expect(one.body).toMatchObject({ id: ids[1], name: "Post 2", text: "Post 2: {link}" });
  });

  it("deletes a creative: its file leaves the store, its URL and its record answer 404, participants no longer see it", async () => {
    const program = await createProgram(api);
    const banner = await upload(api, program.id, {
      name: "Old banner",
      file: { fileName: "old.png", contentType: "image/png", bytes: PNG_BYTES },
    });
    const stored = await storedFiles(api.services.creativeFiles);
    expect(stored.some((path) => path.endsWith(banner.body.id))).toBe(true);
    const deleted = await api.call(
      "DELETE",
      `/v1/programs/${program.id}/creatives/${banner.body.id}`,
    );
    expect(deleted.status).toBe(204);
    expect(
      (await storedFiles(api.services.creativeFiles)).some((p) => p.endsWith(banner.body.id)),
    ).toBe(false);
    expect((await fetchFile(api, banner.body.url ?? "")).statusCode).toBe(404);
    expectError(
      await api.call("GET", `/v1/programs/${program.id}/creatives/${banner.body.id}`),
      404,
      "not_found",
    );
    expectError(
      await api.call("DELETE", `/v1/programs/${program.id}/creatives/${banner.body.id}`),
      404,
      "not_found",
    );
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    const mine = await api.call<Collection<MyCreativeBody>>(
      "GET",
      "/v1/me/creatives",
      undefined,
      await tokenFor(api, program.id, ana.id),
    );
    expect(mine.body.items).toEqual([]);
  });

  it("gives creatives ids that say nothing of one another", async () => {
    const program = await createProgram(api);
    const [a, b] = await Promise.all(
      [1, 2].map((n) =>
        api.call<CreativeBody>("POST", `/v1/programs/${program.id}/creatives`, {
          name: `Twin ${n}`,
          text: "{link}",
        }),
      ),
    );
    const random = (id: string) => id.slice("cre_".length + 10);
    expect(random(a?.body.id ?? "")).toMatch(/^[0-9A-Z]{26}$/);
    // Made in the same instant, the random parts still differ in most characters.
    const same = [...random(a?.body.id ?? "")].filter((c, i) => c === random(b?.body.id ?? "")[i]);
    expect(same.length).toBeLessThan(10);
  });

  it("keeps another brand, participant tokens and callers without a key away; the file URL needs no key", async () => {
    const program = await createProgram(api);
    const banner = await upload(api, program.id, {
      name: "Banner",
      file: { fileName: "b.png", contentType: "image/png", bytes: PNG_BYTES },
    });
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    const token = await tokenFor(api, program.id, ana.id);
    const base = `/v1/programs/${program.id}/creatives`;
    const one = `${base}/${banner.body.id}`;
    // Another brand's admin: the program is not found, nor is the creative.
    expectError(await api.call("GET", base, undefined, api.otherKey), 404, "not_found");
    expectError(await api.call("GET", one, undefined, api.otherKey), 404, "not_found");
    expectError(await api.call("DELETE", one, undefined, api.otherKey), 404, "not_found");
    expectError(
      await api.call("POST", base, { name: "x", text: "{link}" }, api.otherKey),
      404,
      "not_found",
    );
    expectError(
      await upload(
        api,
        program.id,
        {
          name: "Intruder",
          file: { fileName: "i.png", contentType: "image/png", bytes: PNG_BYTES },
        },
        api.otherKey,
      ),
      404,
      "not_found",
    );
    // A participant token on the admin routes.
    expectError(await api.call("GET", base, undefined, token), 403, "forbidden");
    expectError(await api.call("DELETE", one, undefined, token), 403, "forbidden");
    expectError(
      await api.call("POST", base, { name: "x", text: "{link}" }, token),
      403,
      "forbidden",
    );
    // No credentials at all.
    expectError(await api.call("GET", base, undefined, null), 401, "unauthorized");
    expectError(
      await upload(
        api,
        program.id,
        {
          name: "Anonymous",
          file: { fileName: "a.png", contentType: "image/png", bytes: PNG_BYTES },
        },
        null,
      ),
      401,
      "unauthorized",
    );
    // An admin key where a participant token belongs.
    expectError(await api.call("GET", "/v1/me/creatives"), 403, "forbidden");
    expect(await creativeRows(api, program.id)).toBe(1);
    // The banner itself is public: a participant's visitors fetch it.
    expect((await fetchFile(api, banner.body.url ?? "")).statusCode).toBe(200);
    expect(
      (await api.app.inject({ method: "GET", url: `/creatives/cre_${"0".repeat(36)}/x.png` }))
        .statusCode,
    ).toBe(404);
  });
});
