// Correct use of the shipped declarations: `tsc --strict --noEmit` must accept this file.
import {
  Digester,
  OciError,
  Registry,
  copyImage,
  detectManifestKind,
  manifestChildren,
  isOciError,
  parseManifest,
  parseReference,
  verify,
  type CopyProgress,
  type Descriptor,
  type FetchedManifest,
  type ManifestKindName,
  type OciErrorCode,
  type ManifestChildren,
  type ParsedReference,
  type PushedArtifact,
  type ResumableUpload,
  type UploadSession,
  type Platform,
  type UploadProgress,
} from "ociscope";

export async function roundTrip(url: string, other: string): Promise<string> {
  const ref: ParsedReference = parseReference("ubuntu:22.04", { normalize: true });
  const domain: string | undefined = ref.domain;
  const registry = Registry.connect(url, { username: "u", password: "p" });
  const anonymous = Registry.connect(other);
  const withToken = Registry.connect(other, { token: "t", fetch: (r: Request) => fetch(r) });
  const wrapped = Registry.connect(other, { fetch });
  wrapped.free();
  withToken.free();
  for await (const repo of registry.repositories({ pageSize: 10 })) {
    const name: string = repo;
    for await (const tag of registry.tags(name)) console.log(tag.toUpperCase());
  }
  const got: FetchedManifest = await registry.getManifest("demo/hello", "latest");
  const kind: ManifestKindName = got.manifest.kind;
  const platform: Platform | undefined = got.manifest.manifests[0]?.platform;
  for await (const d of registry.referrers("demo/hello", got.descriptor.digest, { artifactType: "x" })) {
    const size: number = d.size;
    console.log(size, d.annotations?.["org.opencontainers.image.title"]);
  }
  const stream: ReadableStream<Uint8Array> = await registry.getBlob("demo/hello", got.descriptor.digest);
  await stream.cancel();
  const range: ReadableStream<Uint8Array> = await registry.getBlobRange("demo/hello", got.descriptor.digest, 0, 10);
  await range.cancel();
  const mounted: boolean = await registry.mountBlob("demo/hello", "demo/copy", got.descriptor.digest);
  const controller = new AbortController();
  const pushed: Descriptor = await registry.pushBlob("demo/x", new Uint8Array([1, 2]), {
    signal: controller.signal,
    onProgress: (p: UploadProgress) => console.log(p.bytes / (p.total ?? 1)),
  });
  const fromStream: Descriptor = await registry.pushBlob("demo/x", new Blob(["abc"]).stream(), { digest: pushed.digest });
  const session: UploadSession = await registry.startUpload("demo/x", { chunkSize: 1 << 20 });
  await session.write(new Uint8Array(10));
  const kept: ResumableUpload = await session.close();
  const resumed = await registry.resumeUpload("demo/x", kept.id, { offset: kept.offset });
  const offset: number = resumed.offset;
  await resumed.commit(fromStream.digest);
  await resumed.cancel();
  console.log(offset, session.id, session.chunkSize);
  const file = new File(["x"], "x.txt");
  const artifact: PushedArtifact = await registry.pushArtifact("demo/x", [file, { name: "y", data: new Uint8Array(1) }], {
    subject: pushed,
    tags: ["a"],
    annotations: { k: "v" },
  });
  const synthesized: FetchedManifest = await registry.synthesizeIndex("demo/x", artifact.manifest.digest);
  const children: ManifestChildren = manifestChildren(synthesized.bytes);
  const guessed: ManifestKindName | undefined = detectManifestKind(synthesized.bytes, "application/json");
  console.log(children.fsLayers.length, guessed);
  await registry.pushBlob("demo/x", new Blob(["{}"]));
  await registry.pushManifest("demo/x", got.bytes, got.descriptor.mediaType, ["v1"]);
  await registry.deleteTag("demo/x", "v1");
  await registry.deleteManifest("demo/x", pushed.digest);
  const d = new Digester("sha512");
  d.update(got.bytes);
  const ok: boolean = verify(got.bytes, d.digest());
  const parsed = parseManifest(got.bytes, got.descriptor.mediaType);
  const report = await copyImage(registry, "demo/hello", "latest", anonymous, "copy/hello", {
    referrers: true,
    tags: ["latest"],
    onProgress: (p: CopyProgress) => console.log(p.event, p.item?.name, p.bytesDone),
  });
  try {
    await registry.statManifest("demo/hello", "missing");
  } catch (e) {
    if (isOciError(e)) {
      const code: OciErrorCode = e.code;
      const status: number | undefined = e.status;
      if (code === "MANIFEST_UNKNOWN") console.log(status, e.message);
    }
    if (e instanceof OciError && e.code === "UNAUTHORIZED") console.log(e.status, e.detail);
    if (e instanceof DOMException && e.name === "AbortError") console.log("aborted");
  }
  const made: OciError = new OciError("DENIED", 403, "no");
  console.log(made.code, made.status);
  return `${mounted} ${domain} ${kind} ${platform?.os} ${ok} ${parsed.children.length} ${report.copied}`;
}
