// The page: a round trip through the web build, then the Worker's; results go to
// window.__ociscope (read by run.mjs) and the page text.
import init, { OciError, Registry, copyImage, detectManifestKind, isOciError, parseManifest } from "ociscope";
import { checker, readAll, sha256 } from "./checks.js";

const params = new URLSearchParams(location.search);
const server = params.get("server");
const distribution = params.get("distribution");
const noCors = params.get("nocors");
const bearer = params.get("bearer");
const htpasswd = params.get("htpasswd");
const [username, password] = (params.get("user") ?? "").split(":");
const run = params.get("run");

async function page() {
  const c = checker();
  await init();
  const src = Registry.connect(server);
  const dst = Registry.connect(distribution);
  const got = await src.getManifest("demo/hello", "latest");
  c.ok("getManifest demo/hello:latest", parseManifest(got.bytes).digest === got.descriptor.digest);
  const image = await src.getManifest("demo/hello", got.manifest.manifests[0].digest);
  const layer = image.manifest.layers[0];
  const bytes = await readAll(await src.getBlob("demo/hello", layer.digest));
  c.ok("getBlob stream verified", (await sha256(bytes)) === layer.digest, layer.digest);

  const file = new File([`hello from a page ${run}\n`.repeat(5000)], "hello.txt");
  const progress = [];
  const blob = await dst.pushBlob(`npm-${run}/page`, file, { chunkSize: 1 << 16, onProgress: (p) => progress.push(p.bytes) });
  c.ok("pushBlob(File) digest", blob.digest === (await sha256(await file.arrayBuffer())), blob.digest);
  c.ok("pushBlob progress", progress.at(-1) === file.size, progress.join(","));
  const streamed = await dst.pushBlob(`npm-${run}/page`, file.stream(), { chunkSize: 1 << 16 });
  c.ok("pushBlob(ReadableStream) digest", streamed.digest === blob.digest, streamed.digest);
  const session = await dst.startUpload(`npm-${run}/page`);
  await session.write(new Uint8Array(await file.arrayBuffer()));
  const committed = await session.commit();
  c.ok("upload session from a page", committed.digest === blob.digest, `${session.id.slice(0, 40)}… ${committed.digest}`);
  const empty = await dst.pushBlob(`npm-${run}/page`, new TextEncoder().encode("{}"));
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    artifactType: "text/plain",
    config: { mediaType: "application/vnd.oci.empty.v1+json", digest: empty.digest, size: 2 },
    layers: [{ mediaType: "text/plain", digest: blob.digest, size: blob.size }],
  }));
  const pushed = await dst.pushManifest(`npm-${run}/page`, manifest, "application/vnd.oci.image.manifest.v1+json", ["v1"]);
  const back = await dst.getManifest(`npm-${run}/page`, "v1");
  c.ok("pushManifest + tag, read back", back.descriptor.digest === pushed.digest, pushed.digest);
  const artifact = await dst.pushArtifact(`npm-${run}/page`, [file], { subject: pushed, tags: ["notes"] });
  const referrers = [];
  for await (const d of dst.referrers(`npm-${run}/page`, pushed.digest)) referrers.push(d.digest);
  c.ok("pushArtifact(File) as a referrer", referrers.join() === artifact.manifest.digest && artifact.layers[0].annotations["org.opencontainers.image.title"] === "hello.txt", referrers.join());
  c.ok("detectManifestKind", detectManifestKind(manifest) === "ociManifest");
  const tags = [];
  for await (const t of dst.tags(`npm-${run}/page`)) tags.push(t);
  // distribution 2.8 also lists the referrers tag (sha256-…) of the tag schema fallback.
  const named = tags.filter((t) => !t.startsWith("sha256-")).sort();
  c.ok("tags", named.join() === "notes,v1", tags.join());
  await c.rejects("missing manifest is MANIFEST_UNKNOWN", dst.getManifest(`npm-${run}/page`, "nope"), "MANIFEST_UNKNOWN");
  try {
    await dst.statManifest(`npm-${run}/page`, "nope");
    c.ok("a missing manifest is an instance of the exported OciError", false, "resolved");
  } catch (e) {
    c.ok("a missing manifest is an instance of the exported OciError", e instanceof OciError && e instanceof Error && e.status === 404, `${e?.constructor?.name} ${e?.status}`);
  }
  await c.rejects("a registry without CORS headers is CORS", Registry.connect(noCors).ping(), "CORS");
  const controller = new AbortController();
  controller.abort();
  try {
    await dst.pushBlob(`npm-${run}/page`, file, { signal: controller.signal });
    c.ok("an aborted upload rejects with a DOMException AbortError", false, "resolved");
  } catch (e) {
    c.ok("an aborted upload rejects with a DOMException AbortError", e instanceof DOMException && e.name === "AbortError" && !isOciError(e), `${e?.constructor?.name} ${e?.name}`);
  }
  for (const [name, url] of [["bearer tokens", bearer], ["htpasswd", htpasswd]]) {
    await c.rejects(`${name} without credentials is UNAUTHORIZED`, Registry.connect(url).pushBlob(`npm-${run}/page-auth`, new Uint8Array([1])), "UNAUTHORIZED");
  }
  const authed = Registry.connect(bearer, { username, password });
  const authedBytes = new TextEncoder().encode(`bearer tokens from a page ${run}`);
  const authedBlob = await authed.pushBlob(`npm-${run}/page-auth`, authedBytes);
  const authedBack = await authed.readBlob(`npm-${run}/page-auth`, authedBlob.digest);
  c.ok("bearer tokens with credentials: push and read back", (await sha256(authedBack)) === authedBlob.digest, authedBlob.digest);
  // distribution answers the preflight of a request with Authorization 401 (even with CORS for
  // this origin), so a browser refuses it: CORS, its message naming the pitfall.
  try {
    await Registry.connect(htpasswd, { username, password }).ping();
    c.ok("htpasswd with credentials in a browser is CORS (preflight 401)", false, "resolved");
  } catch (e) {
    c.ok("htpasswd with credentials in a browser is CORS (preflight 401)", isOciError(e) && e.code === "CORS" && e.message.includes("preflight `OPTIONS` with 401"), `${e.code}`);
  }
  let calls = 0;
  const counted = Registry.connect(server, { fetch: (request) => (calls++, fetch(request)) });
  const info = await counted.ping();
  await counted.statManifest("demo/hello", "latest");
  c.ok("a custom fetch sends every request", calls === 2 && typeof info === "object", `${calls} calls`);
  const report = await copyImage(src, "demo/hello", "latest", dst, `npm-${run}/copy`, { tags: ["latest"] });
  c.ok("copyImage from the page", report.roots[0].digest === got.descriptor.digest, report.copied);
  try {
    Registry.connect("ftp://x");
  } catch (e) {
    c.ok("bad argument throws an OciError", isOciError(e) && e.code === "INVALID_ARGUMENT", e.code);
  }
  return c.results;
}

async function worker() {
  const w = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  const results = await new Promise((resolve, reject) => {
    w.onmessage = ({ data }) => resolve(data);
    w.onerror = (e) => reject(new Error(`worker failed: ${e.message}`));
    w.postMessage({ server, distribution, run });
  });
  w.terminate();
  return results;
}

(async () => {
  let results;
  try {
    results = [...(await page()), ...(await worker())];
  } catch (e) {
    results = [{ name: "no exception", ok: false, detail: `${e?.code ?? ""} ${e?.message ?? e}` }];
  }
  window.__ociscope = results;
  document.getElementById("out").textContent = results.map((r) => `${r.ok ? "ok" : "FAIL"} ${r.name} ${r.detail}`).join("\n");
})();
