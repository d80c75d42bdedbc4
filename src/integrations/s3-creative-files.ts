import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { AwsClient } from "aws4fetch";
import { checkedKey, CreativeStoreError, type CreativeFiles } from "../store/creative-files.ts";

/** LAUREL_S3_URL read: where the bucket is, and the keys that sign every request. */
export interface S3Location {
  /** `https://host:port`, without credentials. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  /** Never logged or answered. */
  secretAccessKey: string;
}

const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Reads `https://ACCESS_KEY:SECRET@host:port/bucket?region=us-east-1`. The
 * messages name what is wrong without repeating the URL, which holds the secret.
 */
export function parseS3Url(
  text: string,
): { ok: true; location: S3Location } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return {
      ok: false,
      message: "is not a URL; write it as https://ACCESS_KEY:SECRET@host:port/bucket?region=REGION",
    };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return { ok: false, message: `must start with https:// (or http://), not ${url.protocol}//` };
  if (url.username === "" || url.password === "")
    return {
      ok: false,
      message: "must carry the access key and the secret: https://ACCESS_KEY:SECRET@host/bucket",
    };
  const bucket = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ""));
  if (!BUCKET_PATTERN.test(bucket))
    return {
      ok: false,
      message:
        "must name one bucket as its path (https://…@host/my-bucket): 3 to 63 lower-case letters, digits, dots or dashes",
    };
  return {
    ok: true,
    location: {
      endpoint: `${url.protocol}//${url.host}`,
      bucket,
      region: url.searchParams.get("region") || "us-east-1",
      accessKeyId: decodeURIComponent(url.username),
      secretAccessKey: decodeURIComponent(url.password),
    },
  };
}

/** What an S3 error body says, as `Code: Message`, or the HTTP status alone. */
async function s3Problem(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  return `${response.status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`;
}

/**
 * Files in an S3-compatible bucket, by path-style address
 * (`endpoint/bucket/key`), which every S3 implementation answers, MinIO and
 * the like included. Every request is signed with SigV4.
 */
export function s3CreativeFiles(location: S3Location): CreativeFiles {
  const client = new AwsClient({
    accessKeyId: location.accessKeyId,
    secretAccessKey: location.secretAccessKey,
    service: "s3",
    region: location.region,
  });
  const where = `the S3 bucket ${location.bucket} at ${location.endpoint}`;
  const urlOf = (key: string) =>
    `${location.endpoint}/${encodeURIComponent(location.bucket)}/${checkedKey(key)}`;

  const send = async (what: string, key: string, init: RequestInit): Promise<Response> => {
    let response: Response;
    try {
      response = await client.fetch(urlOf(key), init);
    } catch (error) {
      throw new CreativeStoreError(`cannot reach ${where} to ${what}: ${(error as Error).message}`);
    }
    return response;
  };
  const refused = async (what: string, response: Response) =>
    new CreativeStoreError(
      `${where} refused to ${what}: ${await s3Problem(response)}` +
        // S3 answers a wrong key, a wrong secret and a key without access alike: 403.
        (response.status === 403 ? "; check the access key and secret in LAUREL_S3_URL" : ""),
    );

  return {
    where,
    async put(key, bytes, contentType) {
      const response = await send("store a file", key, {
        method: "PUT",
        body: bytes as Uint8Array<ArrayBuffer>,
        headers: { "content-type": contentType, "content-length": String(bytes.byteLength) },
      });
      if (!response.ok) throw await refused("store a file", response);
      await response.body?.cancel();
    },
    async get(key) {
      const response = await send("read a file", key, { method: "GET" });
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (!response.ok || response.body === null) throw await refused("read a file", response);
      return {
        body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        sizeBytes: Number(response.headers.get("content-length") ?? 0),
      };
    },
    async delete(key) {
      const response = await send("remove a file", key, { method: "DELETE" });
      // S3 answers 204 for a key that was never there too.
      if (!response.ok && response.status !== 404) throw await refused("remove a file", response);
      await response.body?.cancel();
    },
  };
}
