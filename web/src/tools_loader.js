// Starts the tools bundle in place of the catalog bundle (see web/src/bundle.rs): fetches its
// glue and compiles its module (files next to the page, named by Trunk without a hash), then
// lets the catalog bundle unmount itself, instantiates the tools bundle (whose start function
// mounts the full app on the same URL) and announces it with an `ociscope-tools-started` event
// whose `detail.wasm` is the instance's exports (benchmarks read its memory from there).
export async function load_tools(unmount) {
  const js = new URL('ociscope-tools.js', document.baseURI).href;
  const wasm = new URL('ociscope-tools_bg.wasm', document.baseURI).href;
  const [glue, module] = await Promise.all([
    import(js),
    WebAssembly.compileStreaming(fetch(wasm)),
  ]);
  unmount();
  const exports = await glue.default({ module_or_path: module });
  dispatchEvent(new CustomEvent('ociscope-tools-started', { detail: { wasm: exports } }));
}
