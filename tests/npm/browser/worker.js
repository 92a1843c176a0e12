// A module Web Worker using the package: reads from ociscope-server, pushes to distribution.
import init, { Registry, verify } from "ociscope";
import { checker, sha256 } from "./checks.js";

self.onmessage = async ({ data: { server, distribution, run } }) => {
  const c = checker();
  try {
    await init();
    const src = Registry.connect(server);
    const got = await src.getManifest("demo/hello", "latest");
    c.ok("worker: getManifest demo/hello:latest is an index", got.manifest.kind === "ociIndex", got.manifest.kind);
    const image = await src.getManifest("demo/hello", got.manifest.manifests[0].digest);
    const config = await src.readBlob("demo/hello", image.manifest.config.digest);
    c.ok("worker: readBlob verified", verify(config, image.manifest.config.digest));
    const dst = Registry.connect(distribution);
    const bytes = new TextEncoder().encode(`from a worker ${run}`);
    const pushed = await dst.pushBlob(`npm-${run}/worker`, bytes);
    c.ok("worker: pushBlob digest", pushed.digest === (await sha256(bytes)), pushed.digest);
  } catch (e) {
    c.ok("worker: no exception", false, `${e?.code ?? ""} ${e?.message ?? e}`);
  }
  self.postMessage(c.results);
};
