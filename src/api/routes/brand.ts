import { z } from "zod";
import type { Services } from "../../engine/services.ts";
import { findBrand, updateBrandContactEmail, type BrandRecord } from "../../store/brands.ts";
import { notFound } from "../errors.ts";
import { route } from "../route.ts";

const mailSchema = z
  .strictObject({
    configured: z
      .boolean()
      .describe("Whether LAUREL_SMTP_URL and LAUREL_MAIL_FROM are set; false: no mail is sent"),
    from: z.string().nullable().describe("The sender mails go out from; null without mail"),
  })
  .meta({
    id: "BrandMail",
    description: "How the server sends mail, read-only: never the SMTP URL or its password",
  });

const brandSchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    contactEmail: z
      .email()
      .nullable()
      .describe("Who Laurel mails when it disables a failing webhook endpoint; null: no one"),
    mail: mailSchema,
  })
  .meta({ id: "Brand", description: "The brand the admin key belongs to, and its settings" });

const brandPatch = z
  .strictObject({
    contactEmail: z
      .email("must be an email address, such as ops@brand.example; null clears it")
      .max(320)
      .nullable()
      .optional()
      .describe("Who Laurel mails when it disables a failing webhook endpoint; null clears it"),
  })
  .meta({ id: "BrandPatch", description: "The brand's settings to change; the rest stay" });

const brandExample = {
  id: "brd_01JW6P2Y1R8M4K7V9C3D5F0H2Q",
  name: "Acme",
  contactEmail: "ops@acme.example",
  mail: { configured: true, from: "Acme Rewards <rewards@acme.example>" },
};

/** The brand as answered: its own fields and what the server's mail setting allows saying. */
function present(services: Services, brand: BrandRecord) {
  return {
    id: brand.id,
    name: brand.name,
    contactEmail: brand.contactEmail,
    mail: { configured: services.mail !== undefined, from: services.mail?.from ?? null },
  };
}

export const brandRoutes = [
  route({
    method: "GET",
    url: "/v1/brand",
    operationId: "getBrand",
    summary: "The brand the admin key belongs to",
    description:
      "Its name, the contact email Laurel writes to when it disables a failing webhook " +
      "endpoint, and whether the server sends mail at all (LAUREL_SMTP_URL and " +
      "LAUREL_MAIL_FROM) with the sender it uses. The SMTP URL itself is never answered.",
    tag: "Brand",
    auth: "admin",
    response: brandSchema,
    responseExample: brandExample,
    handler: async ({ services, caller }) => {
      const brand = await findBrand(services.db, caller.brandId);
      if (!brand) throw notFound("this key's brand");
      return present(services, brand);
    },
  }),
  route({
    method: "PATCH",
    url: "/v1/brand",
    operationId: "updateBrand",
    summary: "Change the brand's settings",
    description:
      "Sets the contact email (null clears it: an endpoint Laurel disables is then told to no " +
      "one but its own deliveries log). Fields left out keep their values; `mail` follows the " +
      "server's environment and cannot be changed here.",
    tag: "Brand",
    auth: "admin",
    body: brandPatch,
    bodyExample: { contactEmail: "ops@acme.example" },
    response: brandSchema,
    responseExample: brandExample,
    handler: async ({ services, caller, body }) => {
      const brand =
        body.contactEmail === undefined
          ? await findBrand(services.db, caller.brandId)
          : await updateBrandContactEmail(services.db, caller.brandId, body.contactEmail);
      if (!brand) throw notFound("this key's brand");
      return present(services, brand);
    },
  }),
];
