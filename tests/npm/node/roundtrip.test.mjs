// The packed ociscope package, imported as Node ESM from a folder outside the workspace, doing
// real round trips against the registries tests/npm.sh started on 127.0.0.1:
// OCISCOPE_SERVER (ociscope-server --demo) and OCISCOPE_DISTRIBUTION (CNCF distribution).
// OCISCOPE_FAULTS is an ociscope-server that alters the first byte of every blob read under
// */c/ and resets half the upload chunks under */r/. OCISCOPE_RUN makes repository names unique per run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  Digester,
  OciError,
  Registry,
  copyImage,
  detectManifestKind,
  digestOf,
  isOciError,
  manifestChildren,
  parseManifest,
  parseReference,
  verify,
} from "ociscope";
import { pattern } from "./pattern.mjs";

const serverUrl = process.env.OCISCOPE_SERVER;
const distributionUrl = process.env.OCISCOPE_DISTRIBUTION;
const run = process.env.OCISCOPE_RUN ?? String(Date.now());
assert.ok(serverUrl && distributionUrl, "OCISCOPE_SERVER and OCISCOPE_DISTRIBUTION must be set");

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const EMPTY_CONFIG = "application/vnd.oci.empty.v1+json";

const server = Registry.connect(serverUrl);
const distribution = Registry.connect(distributionUrl, {});
const registries = [
  ["ociscope-server", server],
  ["distribution", distribution],
];

/** Asserts that `promiseOrFn` throws or rejects with an OciError of `code`. */
async function rejectsWith(promiseOrFn, code) {
  try {
    await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    assert.ok(isOciError(e), `expected an OciError, got ${e}`);
    assert.ok(e instanceof OciError, "isOciError but not instanceof OciError");
    assert.ok(e instanceof Error);
    assert.equal(e.name, "OciError");
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    return e;
  }
  assert.fail(`expected an OciError ${code}, nothing was thrown`);
}

async function collect(iterable) {
  const out = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function readStream(stream) {
  const chunks = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    assert.ok(value instanceof Uint8Array);
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

const sha = (algorithm, bytes) => `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;

test("parseReference: strict, normalized, canonical and familiar", () => {
  const strict = parseReference("ghcr.io/org/app:1.2@" + digestOf(new Uint8Array()));
  assert.equal(strict.domain, "ghcr.io");
  assert.equal(strict.path, "org/app");
  assert.equal(strict.tag, "1.2");
  assert.equal(strict.digest, sha("sha256", Buffer.alloc(0)));
  const bare = parseReference("ubuntu");
  assert.equal(bare.domain, undefined);
  assert.equal(bare.path, "ubuntu");
  const hub = parseReference("ubuntu:22.04", { normalize: true });
  assert.equal(hub.domain, "docker.io");
  assert.equal(hub.path, "library/ubuntu");
  assert.equal(hub.canonical, "docker.io/library/ubuntu:22.04");
  assert.equal(hub.familiar, "ubuntu:22.04");
  assert.throws(() => parseReference("ubuntu:bad tag"), (e) => isOciError(e) && e.code === "NAME_INVALID");
  assert.throws(() => parseReference("x", { normalise: true }), (e) => isOciError(e) && e.code === "INVALID_ARGUMENT");
});

test("Digester streams sha256 and sha512 like node:crypto; verify", () => {
  const data = Buffer.from("ociscope ".repeat(10000));
  for (const algorithm of ["sha256", "sha512"]) {
    const d = new Digester(algorithm);
    for (let i = 0; i < data.length; i += 4096) d.update(data.subarray(i, i + 4096));
    assert.equal(d.size, data.length);
    assert.equal(d.digest(), sha(algorithm, data));
    d.free();
    assert.equal(digestOf(data, algorithm), sha(algorithm, data));
    assert.equal(verify(data, sha(algorithm, data)), true);
    assert.equal(verify(data.subarray(1), sha(algorithm, data)), false);
  }
  assert.equal(new Digester().digest(), sha("sha256", Buffer.alloc(0)));
  assert.throws(() => new Digester("md5"), (e) => isOciError(e) && e.code === "INVALID_ARGUMENT");
  assert.throws(() => verify(data, "sha256:nothex"), (e) => isOciError(e) && e.code === "DIGEST_INVALID");
});

test("parseManifest: kind, children, bad bytes", () => {
  const config = { mediaType: EMPTY_CONFIG, digest: digestOf(Buffer.from("{}")), size: 2 };
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [config] }));
  const m = parseManifest(bytes);
  assert.equal(m.kind, "ociManifest");
  assert.equal(m.digest, sha("sha256", bytes));
  assert.equal(m.size, bytes.length);
  assert.deepEqual(m.children.map((c) => c.role), ["config", "layer"]);
  assert.equal(m.config.digest, config.digest);
  assert.throws(() => parseManifest(Buffer.from("not json")), (e) => isOciError(e) && e.code === "MANIFEST_INVALID");
});

test("bad arguments are OciErrors, never panics", async () => {
  assert.throws(() => Registry.connect("ftp://nowhere"), (e) => isOciError(e) && e.code === "INVALID_ARGUMENT");
  assert.throws(() => Registry.connect(serverUrl, { user: 1 }), (e) => isOciError(e) && e.code === "INVALID_ARGUMENT");
  assert.throws(() => server.tags("Bad Name"), (e) => isOciError(e) && e.code === "NAME_INVALID");
  assert.throws(() => server.getBlob("demo/hello", "sha256:zz"), (e) => isOciError(e) && e.code === "DIGEST_INVALID");
  assert.throws(() => server.pushBlob("demo/x", 42), (e) => isOciError(e) && e.code === "INVALID_ARGUMENT");
  assert.throws(() => server.pushManifest("demo/x", new Uint8Array(), OCI_MANIFEST, ["bad tag!"]), (e) => isOciError(e) && e.code === "TAG_INVALID");
  // The registry still answers afterwards (nothing was poisoned by the bad calls).
  assert.ok(await server.ping());
});

test("ping, repositories and tags (paged async iterators)", async () => {
  for (const [name, registry] of registries) {
    const info = await registry.ping();
    assert.equal(typeof info, "object", name);
  }
  const repos = await collect(server.repositories({ pageSize: 3 }));
  assert.ok(repos.includes("demo/hello"), repos.join(" "));
  assert.deepEqual(repos, [...repos].sort());
  assert.equal(new Set(repos).size, repos.length);
  const tags = await collect(server.tags("demo/hello", { pageSize: 2 }));
  for (const t of ["latest", "1.0.0", "1.0", "1"]) assert.ok(tags.includes(t), tags.join(" "));
  // break stops the listing early.
  let seen = 0;
  for await (const _ of server.repositories({ pageSize: 1 })) if (++seen === 2) break;
  assert.equal(seen, 2);
  console.log(`# ociscope-server: ${repos.length} repositories, demo/hello has ${tags.length} tags`);
});

test("get demo/hello:latest, parse the index, read a blob verified", async () => {
  const got = await server.getManifest("demo/hello", "latest");
  assert.ok(got.bytes instanceof Uint8Array);
  assert.equal(got.descriptor.digest, sha("sha256", got.bytes));
  assert.equal(got.manifest.kind, "ociIndex");
  const again = parseManifest(got.bytes, got.descriptor.mediaType);
  assert.equal(again.digest, got.descriptor.digest);
  const platforms = got.manifest.manifests.map((d) => `${d.platform.os}/${d.platform.architecture}`);
  assert.ok(platforms.includes("linux/amd64"), platforms.join(" "));
  const stat = await server.statManifest("demo/hello", got.descriptor.digest);
  assert.equal(stat.size, got.bytes.length);

  const amd64 = got.manifest.manifests.find((d) => d.platform.os === "linux" && d.platform.architecture === "amd64");
  const image = await server.getManifest("demo/hello", amd64.digest);
  assert.equal(image.manifest.kind, "ociManifest");
  const layer = image.manifest.layers[0];
  const bytes = await readStream(await server.getBlob("demo/hello", layer.digest));
  assert.equal(bytes.length, layer.size);
  assert.equal(sha("sha256", bytes), layer.digest);
  const whole = await server.readBlob("demo/hello", image.manifest.config.digest);
  assert.equal(sha("sha256", whole), image.manifest.config.digest);

  const referrers = await collect(server.referrers("demo/hello", amd64.digest, { pageSize: 1 }));
  assert.equal(referrers.length, 3, JSON.stringify(referrers));
  const sboms = await collect(server.referrers("demo/hello", amd64.digest, { artifactType: referrers[0].artifactType }));
  assert.ok(sboms.length >= 1 && sboms.every((d) => d.artifactType === referrers[0].artifactType));
});

test("push a blob and a manifest with a tag, read them back, delete", async () => {
  for (const [name, registry] of registries) {
    const repo = `npm-${run}/${name}`;
    // 3 MiB in 1 MiB chunks: a chunked upload with progress.
    const data = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) & 0xff);
    const progress = [];
    const blob = await registry.pushBlob(repo, data, { chunkSize: 1 << 20, onProgress: (p) => progress.push(p) });
    assert.equal(blob.digest, sha("sha256", data), name);
    assert.equal(blob.size, data.length);
    assert.ok(progress.length >= 3, `${progress.length} progress events`);
    assert.deepEqual(progress.at(-1), { bytes: data.length, total: data.length });
    const back = await readStream(await registry.getBlob(repo, blob.digest));
    assert.equal(sha("sha256", back), blob.digest);
    const part = await readStream(await registry.getBlobRange(repo, blob.digest, 1000, 2000));
    assert.deepEqual(part, Buffer.from(data.subarray(1000, 2000)), `${name}: range`);
    const tail = await readStream(await registry.getBlobRange(repo, blob.digest, data.length - 5));
    assert.deepEqual(tail, Buffer.from(data.subarray(data.length - 5)), `${name}: open range`);
    assert.throws(() => registry.getBlobRange(repo, blob.digest, -1), (e) => isOciError(e) && e.code === "INVALID_ARGUMENT");

    // Mount into another repository of the same registry.
    const mounted = await registry.mountBlob(repo, `${repo}-mounted`, blob.digest);
    // Both registries mount within themselves.
    assert.equal(mounted, true, name);
    assert.equal((await registry.statBlob(`${repo}-mounted`, blob.digest)).size, blob.size);

    // A Blob works as input too (the empty config).
    const config = await registry.pushBlob(repo, new Blob(["{}"]));
    assert.equal(config.digest, sha("sha256", Buffer.from("{}")));

    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: EMPTY_CONFIG, digest: config.digest, size: 2 },
      layers: [{ mediaType: "application/octet-stream", digest: blob.digest, size: blob.size }],
    }));
    const pushed = await registry.pushManifest(repo, manifest, OCI_MANIFEST, ["v1", "v2"]);
    assert.equal(pushed.digest, sha("sha256", manifest));
    const read = await registry.getManifest(repo, "v1");
    assert.deepEqual(Buffer.from(read.bytes), manifest);
    assert.equal(read.manifest.layers[0].digest, blob.digest);
    assert.deepEqual((await collect(registry.tags(repo))).sort(), ["v1", "v2"]);

    await registry.deleteManifest(repo, pushed.digest);
    await rejectsWith(registry.statManifest(repo, pushed.digest), "MANIFEST_UNKNOWN");
  }
});

test("a missing manifest is MANIFEST_UNKNOWN with status 404", async () => {
  for (const [name, registry] of registries) {
    const e = await rejectsWith(registry.getManifest("demo/hello", "no-such-tag"), "MANIFEST_UNKNOWN");
    assert.equal(e.status, 404, name);
  }
  await rejectsWith(server.statManifest("demo/hello", digestOf(Buffer.from("absent"))), "MANIFEST_UNKNOWN");
});

/** Asserts that `promise` rejects with a DOMException named AbortError (as fetch does). */
async function rejectsAborted(promise) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof DOMException, `expected a DOMException, got ${e?.constructor?.name}: ${e}`);
    assert.equal(e.name, "AbortError");
    assert.ok(!isOciError(e) && !(e instanceof OciError));
    return true;
  });
}

test("an aborted upload rejects with a DOMException named AbortError", async () => {
  const controller = new AbortController();
  const data = new Uint8Array(4 * 1024 * 1024);
  const pushing = distribution.pushBlob(`npm-${run}/abort`, data, {
    chunkSize: 1 << 20,
    signal: controller.signal,
    onProgress: (p) => p.bytes >= 1 << 20 && controller.abort(),
  });
  await rejectsAborted(pushing);
  await rejectsAborted(distribution.pushBlob(`npm-${run}/abort`, data, { signal: controller.signal }));
  // abort(reason) rejects with that reason, as fetch does.
  const reason = new Error("stop it");
  await assert.rejects(distribution.pushBlob(`npm-${run}/abort`, data, { signal: AbortSignal.abort(reason) }), (e) => e === reason);
});

test("OciError is an exported class: instanceof, code, status, message, detail", async () => {
  const e = await rejectsWith(server.getManifest("demo/hello", "no-such-tag"), "MANIFEST_UNKNOWN");
  assert.equal(e.status, 404);
  assert.equal(typeof e.message, "string");
  assert.ok(e.message.length > 0);
  assert.ok(Array.isArray(e.detail) && e.detail[0].code === "MANIFEST_UNKNOWN", JSON.stringify(e.detail));
  const mine = new OciError("DENIED", 403, "no", { why: 1 });
  assert.ok(mine instanceof Error && isOciError(mine));
  assert.deepEqual([mine.name, mine.code, mine.status, mine.message, mine.detail.why], ["OciError", "DENIED", 403, "no", 1]);
  assert.ok(!isOciError(new Error("x")));
});

test("a custom fetch sends every request: counted, with a header it adds, kept by uploads with a signal", async () => {
  const seen = [];
  const counting = Registry.connect(serverUrl, {
    fetch: (request) => {
      assert.ok(request instanceof Request);
      seen.push(`${request.method} ${new URL(request.url).pathname}`);
      request.headers.set("X-Ociscope-Test", String(seen.length));
      return fetch(request);
    },
  });
  await counting.ping();
  assert.deepEqual(seen, ["GET /v2/"]);
  const stat = await counting.statManifest("demo/hello", "latest");
  assert.deepEqual(seen.slice(1), ["HEAD /v2/demo/hello/manifests/latest"]);
  assert.equal(stat.digest, (await server.statManifest("demo/hello", "latest")).digest);
  // An upload with a signal uses a client tied to it, over the same fetch: POST, PATCH ×2, PUT
  // (the last chunk goes with the committing PUT).
  const before = seen.length;
  const data = new Uint8Array(3 << 20).map((_, i) => i & 0xff);
  const pushed = await counting.pushBlob(`npm-${run}/fetch`, data, { chunkSize: 1 << 20, signal: new AbortController().signal });
  assert.equal(pushed.digest, sha("sha256", data));
  const upload = seen.slice(before).map((s) => s.split(" ")[0]);
  assert.deepEqual(upload.filter((m) => m === "PATCH").length, 2, upload.join(" "));
  assert.ok(upload.includes("POST") && upload.at(-1) === "PUT", upload.join(" "));
  console.log(`# custom fetch: ${seen.length} requests (${upload.join(" ")})`);
  // What the function throws or rejects with is a failure of the request.
  const broken = Registry.connect(serverUrl, { fetch: () => Promise.reject(new TypeError("fetch failed")) });
  await rejectsWith(broken.ping(), "NETWORK");
  assert.throws(() => Registry.connect(serverUrl, { fetch: 42 }), (e) => isOciError(e) && e.code === "INVALID_ARGUMENT");
});

/** A ReadableStream of `data` in chunks of `sizes` (cycled); `state.cancelled` once cancelled. */
function streamOf(data, sizes, state = {}) {
  let at = 0;
  let n = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= data.length) return controller.close();
      const size = sizes[n++ % sizes.length];
      controller.enqueue(data.slice(at, at + size));
      at += size;
      state.pulled = at;
    },
    cancel() {
      state.cancelled = true;
    },
  });
}

test("pushBlob from a ReadableStream: chunked, hashed on the way, digest checked, abort", async () => {
  for (const [name, registry] of registries) {
    const repo = `npm-${run}/stream-${name}`;
    const data = pattern(3 * 1024 * 1024 + 99);
    // Uneven stream chunks, one larger than the upload chunk.
    const progress = [];
    const d = await registry.pushBlob(repo, streamOf(data, [100_000, 2_500_000, 7]), {
      chunkSize: 1 << 20,
      onProgress: (p) => progress.push(p),
    });
    assert.equal(d.digest, sha("sha256", data), name);
    assert.equal(d.size, data.length);
    assert.ok(progress.length >= 4 && progress.every((p) => p.total === undefined), JSON.stringify(progress.slice(0, 3)));
    assert.equal(progress.at(-1).bytes, data.length);
    assert.equal(sha("sha256", await registry.readBlob(repo, d.digest, 8 << 20)), d.digest);
    // With the digest given: the same; with a wrong one, refused before the commit.
    const small = pattern(5000);
    const given = await registry.pushBlob(repo, streamOf(small, [999]), { digest: sha("sha256", small) });
    assert.equal(given.digest, sha("sha256", small));
    const wrong = sha("sha256", Buffer.from("other bytes"));
    const e = await rejectsWith(registry.pushBlob(repo, streamOf(small, [999]), { digest: wrong }), "DIGEST_INVALID");
    assert.match(e.message, /cancelled/);
    await rejectsWith(registry.statBlob(repo, wrong), "BLOB_UNKNOWN");
  }
  // sha512 when the digest given is one (ociscope-server accepts sha512 blobs).
  const small = pattern(7000);
  const d512 = await server.pushBlob(`npm-${run}/stream-512`, streamOf(small, [4096]), { digest: sha("sha512", small) });
  assert.equal(d512.digest, sha("sha512", small));
  // Abort mid-stream: rejects with AbortError, the stream is cancelled, and it stopped being read.
  const controller = new AbortController();
  const state = {};
  const big = pattern(8 << 20);
  await rejectsAborted(distribution.pushBlob(`npm-${run}/stream-abort`, streamOf(big, [1 << 18], state), {
    chunkSize: 1 << 20,
    signal: controller.signal,
    onProgress: (p) => p.bytes >= 2 << 20 && controller.abort(),
  }));
  assert.equal(state.cancelled, true);
  assert.ok(state.pulled < big.length, `read ${state.pulled} of ${big.length}`);
  // A stream of something else than bytes, resume with a stream: refused.
  const strings = new ReadableStream({ start: (c) => (c.enqueue("text"), c.close()) });
  await rejectsWith(server.pushBlob(`npm-${run}/stream`, strings), "INVALID_ARGUMENT");
  assert.throws(() => server.pushBlob(`npm-${run}/stream`, streamOf(small, [10]), { resume: { id: "x", offset: 0 } }), (e) => e.code === "INVALID_ARGUMENT");
  assert.throws(() => server.pushBlob(`npm-${run}/stream`, small, { digest: sha("sha256", small) }), (e) => e.code === "INVALID_ARGUMENT");
});

test("upload sessions: write, close, resume from another process by id and offset, commit", async () => {
  const child = fileURLToPath(new URL("./resume-child.mjs", import.meta.url));
  for (const [name, registry] of registries) {
    const repo = `npm-${run}/session-${name}`;
    const data = pattern(5 * 1024 * 1024 + 4321);
    const session = await registry.startUpload(repo, { chunkSize: 1 << 20 });
    assert.equal(typeof session.id, "string");
    assert.equal(session.offset, 0);
    assert.ok(session.chunkSize >= 1 << 20);
    await session.write(data.subarray(0, 1_500_000));
    assert.equal(session.offset, 1_500_000);
    // One call at a time.
    const writing = session.write(data.subarray(1_500_000, 2_600_000));
    assert.throws(() => session.write(data.subarray(0, 1)), (e) => isOciError(e) && e.code === "INVALID_ARGUMENT");
    await writing;
    const kept = await session.close();
    // The registry keeps the full chunks sent (2 MiB of the 2.6 MB written, in 1 MiB chunks).
    const full = Math.floor(2_600_000 / session.chunkSize) * session.chunkSize;
    assert.deepEqual(kept, { id: kept.id, offset: full }, name);
    assert.ok(full > 0);
    assert.equal(session.offset, kept.offset);
    assert.throws(() => session.write(data), (e) => e.code === "INVALID_ARGUMENT");
    const { stdout } = await promisify(execFile)(process.execPath, [
      child, registry.url, repo, kept.id, String(kept.offset), String(data.length), sha("sha256", data),
    ]);
    const { descriptor, offsetAtCommit } = JSON.parse(stdout);
    assert.equal(descriptor.digest, sha("sha256", data), name);
    assert.equal(offsetAtCommit, data.length);
    assert.equal(sha("sha256", await registry.readBlob(repo, descriptor.digest, 8 << 20)), descriptor.digest);

    // A fresh session knows its digest; a resumed one must be told; cancel is idempotent.
    const fresh = await registry.startUpload(repo);
    await fresh.write(data.subarray(0, 1000));
    const committed = await fresh.commit();
    assert.equal(committed.digest, sha("sha256", data.subarray(0, 1000)));
    await fresh.cancel();
    const open = await registry.startUpload(repo, { chunkSize: 1 << 20 });
    // A whole chunk goes out once a byte beyond it is written (the last bytes wait for the
    // commit), so the registry holds 1 MiB of these 1 MiB + 1.
    await open.write(data.subarray(0, (1 << 20) + 1));
    const again = await registry.resumeUpload(repo, open.id);
    assert.equal(again.offset, 1 << 20);
    assert.throws(() => again.commit(), (e) => e.code === "INVALID_ARGUMENT");
    await again.cancel();
    await again.cancel();
    await rejectsWith(registry.resumeUpload(repo, again.id), "BLOB_UPLOAD_UNKNOWN");
  }
  console.log("# sessions resumed by a second Node process on both registries");
});

test("pushArtifact: files (a File and bytes) as an artifact, tagged, a referrer of its subject", async () => {
  for (const [name, registry] of registries) {
    const repo = `npm-${run}/artifact-${name}`;
    // The subject: a small image pushed first.
    const config = await registry.pushBlob(repo, new Blob(["{}"]));
    const image = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: EMPTY_CONFIG, digest: config.digest, size: 2 },
      layers: [{ mediaType: EMPTY_CONFIG, digest: config.digest, size: 2 }],
    }));
    const subject = await registry.pushManifest(repo, image, OCI_MANIFEST, ["image"]);
    const notes = new File([`release notes ${run}\n`], "notes.txt", { type: "text/plain" });
    const big = pattern(3 * 1024 * 1024 + 1);
    const progress = [];
    const pushed = await registry.pushArtifact(repo, [notes, { name: "data.bin", data: big }], {
      artifactType: "application/vnd.ociscope.test.v1",
      annotations: { "org.example.run": run },
      subject,
      tags: ["artifact"],
      chunkSize: 1 << 20,
      onProgress: (p) => progress.push(p),
    });
    assert.deepEqual(pushed.layers.map((l) => l.annotations["org.opencontainers.image.title"]), ["notes.txt", "data.bin"]);
    assert.deepEqual(pushed.layers.map((l) => l.mediaType), ["text/plain", "application/octet-stream"]);
    assert.equal(pushed.layers[1].digest, sha("sha256", big));
    assert.equal(progress.at(-1).bytes, notes.size + big.length);
    assert.equal(progress.at(-1).total, notes.size + big.length);
    const got = await registry.getManifest(repo, "artifact");
    assert.equal(got.descriptor.digest, pushed.manifest.digest, name);
    assert.equal(got.manifest.artifactType, "application/vnd.ociscope.test.v1");
    assert.equal(got.manifest.subject.digest, subject.digest);
    assert.equal(got.manifest.annotations["org.example.run"], run);
    const back = await registry.readBlob(repo, pushed.layers[0].digest);
    assert.equal(Buffer.from(back).toString(), `release notes ${run}\n`);
    const referrers = await collect(registry.referrers(repo, subject.digest));
    assert.deepEqual(referrers.map((d) => d.digest), [pushed.manifest.digest], name);
    assert.equal(referrers[0].artifactType, "application/vnd.ociscope.test.v1");
  }
  await assert.rejects(server.pushArtifact(`npm-${run}/artifact`, [{ name: "a", data: new Uint8Array(1) }, { name: "a", data: new Uint8Array(2) }]), (e) => e.code === "INVALID_ARGUMENT");
  assert.throws(() => server.pushArtifact(`npm-${run}/artifact`, [{ name: "a", bytes: new Uint8Array(1) }]), (e) => e.code === "INVALID_ARGUMENT");
  assert.throws(() => server.pushArtifact(`npm-${run}/artifact`, "a.txt"), (e) => e.code === "INVALID_ARGUMENT");
});

test("synthesizeIndex: an index as it is, a single image as a one-entry index with its platform", async () => {
  const host = new URL(serverUrl).host;
  const index = await server.synthesizeIndex("demo/hello", "latest");
  assert.equal(index.manifest.kind, "ociIndex");
  assert.equal(index.descriptor.digest, sha("sha256", index.bytes));
  const refName = "org.opencontainers.image.ref.name";
  assert.ok(index.manifest.manifests.length >= 2);
  for (const entry of index.manifest.manifests) {
    assert.ok(entry.annotations[refName].startsWith(`${host}/demo/hello:latest@sha256:`), entry.annotations[refName]);
  }
  const amd64 = index.manifest.manifests.find((d) => d.platform?.architecture === "amd64" && d.platform?.os === "linux");
  assert.equal(amd64.annotations["com.docker.official-images.bashbrew.arch"], "amd64");
  const single = await server.synthesizeIndex("demo/hello", amd64.digest);
  assert.equal(single.manifest.kind, "ociIndex");
  assert.equal(single.manifest.manifests.length, 1);
  assert.equal(single.manifest.manifests[0].digest, amd64.digest);
  assert.deepEqual(single.manifest.manifests[0].platform, { architecture: "amd64", os: "linux" });
  // Pushed where the caller wants, it is an ordinary index.
  const pushed = await server.pushManifest("demo/hello", single.bytes, single.descriptor.mediaType);
  assert.equal(pushed.digest, single.descriptor.digest);
  await rejectsWith(server.synthesizeIndex("demo/hello", "no-such-tag"), "MANIFEST_UNKNOWN");
});

test("manifestChildren and detectManifestKind, also for documents ociscope does not parse", () => {
  const config = { mediaType: EMPTY_CONFIG, digest: digestOf(Buffer.from("{}")), size: 2 };
  const image = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [config, config] }));
  const c = manifestChildren(image);
  assert.equal(c.kind, "ociManifest");
  assert.equal(c.config.digest, config.digest);
  assert.equal(c.layers.length, 2);
  assert.deepEqual([c.manifests, c.blobs, c.fsLayers, c.skipped], [[], [], [], 0]);
  // The withdrawn OCI artifact manifest: read leniently, its blobs found, a bad entry skipped.
  const artifact = Buffer.from(JSON.stringify({
    mediaType: "application/vnd.oci.artifact.manifest.v1+json",
    artifactType: "application/x-test",
    blobs: [config, { mediaType: "x/y" }],
    subject: { mediaType: OCI_MANIFEST, digest: digestOf(image), size: image.length },
  }));
  const lenient = manifestChildren(artifact, "application/vnd.oci.artifact.manifest.v1+json");
  assert.equal(lenient.kind, undefined);
  assert.deepEqual(lenient.blobs.map((b) => b.digest), [config.digest]);
  assert.equal(lenient.skipped, 1);
  assert.equal(lenient.subject.digest, digestOf(image));
  assert.throws(() => manifestChildren(Buffer.from("[1, 2]")), (e) => isOciError(e) && e.code === "MANIFEST_INVALID");

  assert.equal(detectManifestKind(image), "ociManifest");
  assert.equal(detectManifestKind(image, "application/json"), "ociManifest");
  assert.equal(detectManifestKind(image, "application/vnd.docker.distribution.manifest.v2+json"), "dockerV2");
  const list = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] }));
  assert.equal(detectManifestKind(list), "ociIndex");
  assert.equal(detectManifestKind(Buffer.from("not json")), undefined);
  assert.equal(detectManifestKind(artifact), undefined);
});

test("copyImage demo/hello:latest with referrers from ociscope-server to distribution", async () => {
  const source = await server.statManifest("demo/hello", "latest");
  const events = new Set();
  const report = await copyImage(server, "demo/hello", "latest", distribution, `npm-${run}/hello`, {
    referrers: true,
    tags: ["latest"],
    onProgress: (p) => events.add(p.event),
  });
  assert.equal(report.roots[0].digest, source.digest);
  assert.deepEqual(report.tags, ["latest"]);
  assert.ok(report.copied > 10, JSON.stringify(report));
  for (const e of ["planned", "finish", "tagged", "done"]) assert.ok(events.has(e), [...events].join(" "));
  const copied = await distribution.statManifest(`npm-${run}/hello`, "latest");
  assert.equal(copied.digest, source.digest);
  // The referrers arrived (distribution 2.8 keeps them under the sha256-<hex> tag schema).
  const index = await distribution.getManifest(`npm-${run}/hello`, "latest");
  const amd64 = index.manifest.manifests.find((d) => d.platform.os === "linux" && d.platform.architecture === "amd64");
  const referrers = await collect(distribution.referrers(`npm-${run}/hello`, amd64.digest));
  assert.equal(referrers.length, 3, JSON.stringify(referrers));
  // Copying again finds everything present.
  const again = await copyImage(server, "demo/hello", "latest", distribution, `npm-${run}/hello`, { referrers: true });
  assert.equal(again.copied, 0, JSON.stringify(again));
  console.log(`# copied ${report.copied} items, ${report.bytesCopied} bytes; again: ${again.present} present`);
});

test("a blob that does not match its digest errors the stream with DIGEST_INVALID", async () => {
  const faults = Registry.connect(process.env.OCISCOPE_FAULTS);
  const repo = `npm-${run}/c`;
  const data = new TextEncoder().encode("content the registry will alter on the way out\n".repeat(1000));
  const pushed = await faults.pushBlob(repo, data);
  assert.equal(pushed.digest, sha("sha256", data));
  const stream = await faults.getBlob(repo, pushed.digest);
  await rejectsWith(readStream(stream), "DIGEST_INVALID");
  await rejectsWith(faults.readBlob(repo, pushed.digest), "DIGEST_INVALID");
});

test("an interrupted upload rejects with detail.resume, and resumes from there", async () => {
  const faults = Registry.connect(process.env.OCISCOPE_FAULTS);
  const repo = `npm-${run}/r`;
  const data = new Uint8Array(6 * 1024 * 1024).map((_, i) => (i * 7 + (i >> 12)) & 0xff);
  let resume;
  let interruptions = 0;
  const offsets = [];
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      const d = await faults.pushBlob(repo, data, { chunkSize: 1 << 20, retries: 0, resume });
      assert.equal(d.digest, sha("sha256", data));
      const back = await faults.readBlob(repo, d.digest, 8 << 20);
      assert.equal(sha("sha256", back), d.digest);
      assert.ok(interruptions >= 1, "the faults server interrupted nothing");
      console.log(`# ${interruptions} interruptions, resumed at ${offsets.join(", ")}`);
      return;
    } catch (e) {
      assert.ok(isOciError(e), String(e));
      assert.ok(e.detail?.resume, `not resumable: ${e.code} ${e.message}`);
      assert.equal(typeof e.detail.resume.id, "string");
      if (resume) assert.ok(e.detail.resume.offset >= resume.offset, "an upload went backwards");
      resume = e.detail.resume;
      offsets.push(resume.offset);
      interruptions++;
    }
  }
  assert.fail(`still interrupted after 40 attempts (${offsets.join(", ")})`);
});
