/**
 * The tracking routes' part of the document's story (src/api/examples.ts):
 * a visitor lands on the Ambassadors shop through Ana's ?via=ANA42 link.
 */

export const trackClickInputExample = {
  code: "ANA42",
  visitorId: "v_3f0c9a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6",
};

export const trackedClickExample = {
  visitorId: "v_3f0c9a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6",
  recorded: true,
};

export const trackScriptExample =
  '(function (config) { /* … */ })({"programId":"prg_01JD2Q8K4M7X9T3B5N6W2R8Y4C","cookieDays":30,"apiBase":"https://laurel.example.com"});\n';
