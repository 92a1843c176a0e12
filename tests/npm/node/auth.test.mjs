// The packed package against registries that require credentials (started by tests/npm.sh):
// OCISCOPE_BEARER, ociscope-server with bearer tokens from its /token endpoint (OCISCOPE_USER
// may do everything, reader:reader-secret may pull, anonymous may pull open/*), and
// OCISCOPE_HTPASSWD, CNCF distribution behind htpasswd (Basic) that knows OCISCOPE_USER.
// With the right credentials everything works; without them (or wrong ones) the failure is an
// OciError UNAUTHORIZED with status 401, as the distribution spec names it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { OciError, Registry, copyImage, isOciError } from "ociscope";
import { pattern } from "./pattern.mjs";

const bearerUrl = process.env.OCISCOPE_BEARER;
const htpasswdUrl = process.env.OCISCOPE_HTPASSWD;
const [username, password] = (process.env.OCISCOPE_USER ?? "").split(":");
const run = process.env.OCISCOPE_RUN ?? String(Date.now());
assert.ok(bearerUrl && htpasswdUrl && username && password, "OCISCOPE_BEARER, OCISCOPE_HTPASSWD and OCISCOPE_USER must be set");

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const EMPTY_CONFIG = "application/vnd.oci.empty.v1+json";
const sha = (bytes) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const registries = [
  ["bearer", bearerUrl],
  ["htpasswd", htpasswdUrl],
];

async function unauthorized(promise, what) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof OciError && isOciError(e), `${what}: not an OciError: ${e}`);
    assert.equal(e.code, "UNAUTHORIZED", `${what}: ${e.code}: ${e.message}`);
    assert.equal(e.status, 401, what);
    return true;
  });
}

/** Pushes a one-layer image to `repo` of `registry`, tagged `v1`; its descriptor. */
async function pushImage(registry, repo) {
  const layer = await registry.pushBlob(repo, pattern(300_000), { chunkSize: 1 << 17 });
  const config = await registry.pushBlob(repo, new TextEncoder().encode("{}"));
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: EMPTY_CONFIG, digest: config.digest, size: 2 },
    layers: [{ mediaType: "application/octet-stream", digest: layer.digest, size: layer.size }],
  }));
  return registry.pushManifest(repo, manifest, OCI_MANIFEST, ["v1"]);
}

test("with credentials: push, read, list, upload sessions (Basic to distribution, bearer tokens from ociscope-server)", async () => {
  for (const [name, url] of registries) {
    const registry = Registry.connect(url, { username, password });
    assert.equal(typeof (await registry.ping()), "object", name);
    const repo = `npm-${run}/auth-${name}`;
    const pushed = await pushImage(registry, repo);
    const got = await registry.getManifest(repo, "v1");
    assert.equal(got.descriptor.digest, pushed.digest, name);
    const layer = got.manifest.layers[0];
    assert.equal(sha(await registry.readBlob(repo, layer.digest)), layer.digest);
    const tags = [];
    for await (const t of registry.tags(repo)) tags.push(t);
    assert.deepEqual(tags, ["v1"], name);
    const session = await registry.startUpload(repo);
    await session.write(pattern(1000));
    assert.equal((await session.commit()).digest, sha(pattern(1000)));
  }
});

test("copyImage between two registries that both require credentials", async () => {
  const src = Registry.connect(bearerUrl, { username, password });
  const dst = Registry.connect(htpasswdUrl, { username, password });
  const pushed = await pushImage(src, `npm-${run}/auth-copy`);
  const report = await copyImage(src, `npm-${run}/auth-copy`, "v1", dst, `npm-${run}/auth-copied`, { tags: ["v1"] });
  assert.equal(report.roots[0].digest, pushed.digest);
  assert.equal((await dst.statManifest(`npm-${run}/auth-copied`, "v1")).digest, pushed.digest);
});

test("without credentials, or with wrong ones: UNAUTHORIZED (401)", async () => {
  for (const [name, url] of registries) {
    const repo = `npm-${run}/auth-${name}`;
    for (const [how, options] of [
      ["anonymous", undefined],
      ["wrong password", { username, password: `${password}-not` }],
      ["a token the registry never issued", { token: "not-a-token" }],
    ]) {
      const registry = Registry.connect(url, options);
      const what = `${name}, ${how}`;
      await unauthorized(registry.statManifest(repo, "v1"), `${what}: statManifest`);
      await unauthorized(registry.pushBlob(repo, new Uint8Array([1, 2, 3])), `${what}: pushBlob`);
      await unauthorized(registry.startUpload(repo), `${what}: startUpload`);
    }
  }
  // ociscope-server's token endpoint: anonymous may pull open/* (and ping), nothing else.
  const anonymous = Registry.connect(bearerUrl);
  await anonymous.ping();
  await assert.rejects(anonymous.statManifest("open/nothing", "v1"), (e) => isOciError(e) && e.code === "MANIFEST_UNKNOWN");
  // A user who may only pull gets a token without push: UNAUTHORIZED for the upload.
  const reader = Registry.connect(bearerUrl, { username: "reader", password: "reader-secret" });
  assert.equal((await reader.statManifest(`npm-${run}/auth-bearer`, "v1")).mediaType, OCI_MANIFEST);
  await unauthorized(reader.pushBlob(`npm-${run}/auth-bearer`, new Uint8Array([4])), "reader: pushBlob");
});

test("a custom fetch that adds the Authorization header is what the registry sees", async () => {
  const basic = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  let calls = 0;
  const registry = Registry.connect(htpasswdUrl, {
    fetch: (request) => {
      calls++;
      request.headers.set("Authorization", basic);
      return fetch(request);
    },
  });
  assert.equal(typeof (await registry.ping()), "object");
  const d = await registry.statManifest(`npm-${run}/auth-htpasswd`, "v1");
  assert.equal(d.mediaType, OCI_MANIFEST);
  assert.equal(calls, 2);
  // The same without the header: refused.
  await unauthorized(Registry.connect(htpasswdUrl, { fetch: (r) => fetch(r) }).ping(), "plain fetch");
});
