// The brand's own settings: its contact email, and what the server's mail
// setting allows the console to say (never the SMTP URL or its password).
import { describe, expect, it } from "vitest";
import type { MailSetting } from "../../src/engine/services.ts";
import { expectError, expectStatus, useApi, type ErrorBody } from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

interface BrandBody {
  id: string;
  name: string;
  contactEmail: string | null;
  mail: { configured: boolean; from: string | null };
}

const mail: MailSetting = {
  smtpUrl: "smtp://laurel:hunter2-password@127.0.0.1:2525",
  from: "Acme Rewards <rewards@acme.test>",
};

describeEachBackend("the brand's settings", (backend) => {
  describe("with mail configured", () => {
    const api = useApi(backend, { mail });

    it("answers the brand with no contact email at first, and the sender mail goes out from", async () => {
      const reply = await api.call<BrandBody>("GET", "/v1/brand");
      expectStatus(reply, 200);
      expect(reply.body).toMatchObject({
        id: expect.stringMatching(/^brd_/),
        contactEmail: null,
        mail: { configured: true, from: "Acme Rewards <rewards@acme.test>" },
      });
    });

    it("never answers the SMTP URL or its password", async () => {
      const reply = await api.call("GET", "/v1/brand");
      const text = JSON.stringify(reply.body);
      expect(text).not.toContain("hunter2");
      expect(text).not.toContain("smtp://");
    });

    it("sets the contact email, keeps it when a PATCH leaves it out, and clears it with null", async () => {
      const set = await api.call<BrandBody>("PATCH", "/v1/brand", {
        contactEmail: "ops@acme.test",
      });
      expectStatus(set, 200);
      expect(set.body.contactEmail).toBe("ops@acme.test");
      expect((await api.call<BrandBody>("PATCH", "/v1/brand", {})).body.contactEmail).toBe(
        "ops@acme.test",
      );
      expect((await api.call<BrandBody>("GET", "/v1/brand")).body.contactEmail).toBe(
        "ops@acme.test",
      );
      const cleared = await api.call<BrandBody>("PATCH", "/v1/brand", { contactEmail: null });
      expectStatus(cleared, 200);
      expect(cleared.body.contactEmail).toBeNull();
    });

    it("refuses a contact email that is not an address, naming the field, and keeps the one it had", async () => {
      await api.call("PATCH", "/v1/brand", { contactEmail: "ops@acme.test" });
      const reply = await api.call<ErrorBody>("PATCH", "/v1/brand", {
        contactEmail: "ops at acme",
      });
      expectError(reply, 422, "validation_failed");
      expect(reply.body.error.details).toContainEqual({
        path: "contactEmail",
        message: expect.stringContaining("email address"),
      });
      expect((await api.call<BrandBody>("GET", "/v1/brand")).body.contactEmail).toBe(
        "ops@acme.test",
      );
    });

    it("refuses fields it does not take, such as the mail setting", async () => {
      const reply = await api.call("PATCH", "/v1/brand", { mail: { configured: false } });
      expectError(reply, 400, "invalid_request");
    });

    it("keeps each brand's contact email its own", async () => {
      await api.call("PATCH", "/v1/brand", { contactEmail: "ops@acme.test" });
      const other = await api.call<BrandBody>(
        "PATCH",
        "/v1/brand",
        { contactEmail: "it@other.test" },
        api.otherKey,
      );
      expectStatus(other, 200);
      const mine = await api.call<BrandBody>("GET", "/v1/brand");
      expect(mine.body.contactEmail).toBe("ops@acme.test");
      expect(other.body.id).not.toBe(mine.body.id);
    });

    it("needs an admin key", async () => {
      expectError(await api.call("GET", "/v1/brand", undefined, null), 401, "unauthorized");
    });
  });

  describe("without mail", () => {
    const api = useApi(backend);

    it("says mail is not configured and names no sender", async () => {
      const reply = await api.call<BrandBody>("GET", "/v1/brand");
      expectStatus(reply, 200);
      expect(reply.body.mail).toEqual({ configured: false, from: null });
    });
  });
});
