// JavaScript halves of ociscope-js that Rust cannot express: the error class, async iterators and
// readable streams. Plain ES2020; no imports, so it loads the same in every wasm-pack target.

/** A failed ociscope operation: `code` is a registry spec code (`MANIFEST_UNKNOWN`, `UNAUTHORIZED`,
 * `DENIED`, …) or one of `CORS`, `NETWORK`, `INVALID_ARGUMENT`, `PROTOCOL`, `UNSUPPORTED`,
 * `DIGEST_INVALID`, `MANIFEST_INVALID`, `NAME_INVALID`, `TAG_INVALID`. Exported by the package as
 * is (wasm-bindgen `reexport`), so `e instanceof OciError` works. */
export class OciError extends Error {
  constructor(code, status, message, detail) {
    super(message);
    this.name = "OciError";
    this.code = code;
    this.status = status;
    this.detail = detail;
  }
}

/** Builds an OciError (called from Rust). */
export function makeOciError(code, status, message, detail) {
  return new OciError(code, status, message, detail);
}

/** What an aborted operation rejects with, as fetch does: the signal's reason when it has one
 * (a DOMException named AbortError unless `abort(reason)` gave another), else a new
 * DOMException named AbortError. */
export function makeAbortError(message, signal) {
  if (signal && signal.aborted && signal.reason !== undefined) return signal.reason;
  return new DOMException(message, "AbortError");
}

/** True when `value` is an OciError of this package. */
export function isOciErrorValue(value) {
  return value instanceof OciError;
}

/** An async iterator over `pager.next()` (a Rust object); `return()` frees it. */
export function asyncIterator(pager) {
  let done = false;
  // Calls run one after the other: the Rust pager serves one page request at a time.
  let chain = Promise.resolve();
  const step = async () => {
    if (done) return { done: true, value: undefined };
    const value = await pager.next();
    if (value === undefined) {
      done = true;
      pager.free();
      return { done: true, value: undefined };
    }
    return { done: false, value };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      const result = chain.then(step);
      chain = result.catch(() => {});
      return result;
    },
    async return() {
      if (!done) {
        done = true;
        pager.free();
      }
      return { done: true, value: undefined };
    },
  };
}

/** A ReadableStream of Uint8Array chunks pulled from `source.pull()` (undefined at the end). */
export function pullStream(source) {
  let open = true;
  const finish = () => {
    if (open) {
      open = false;
      source.free();
    }
  };
  return new ReadableStream({
    async pull(controller) {
      let chunk;
      try {
        chunk = await source.pull();
      } catch (e) {
        finish();
        throw e;
      }
      if (chunk === undefined) {
        finish();
        controller.close();
      } else {
        controller.enqueue(chunk);
      }
    },
    cancel() {
      finish();
    },
  });
}
