// Shared by the page and the Worker: a list of named checks, each failing with a message.
export function checker() {
  const results = [];
  return {
    results,
    ok(name, condition, detail = "") {
      results.push({ name, ok: Boolean(condition), detail: String(detail) });
    },
    async rejects(name, promise, code) {
      try {
        await promise;
        results.push({ name, ok: false, detail: "resolved" });
      } catch (e) {
        results.push({ name, ok: e?.name === "OciError" && e.code === code, detail: `${e?.code}: ${e?.message}` });
      }
    },
  };
}

export async function sha256(bytes) {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return "sha256:" + [...hash].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function readAll(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) (out.set(c, at), (at += c.length));
  return out;
}
