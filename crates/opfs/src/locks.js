// Web Locks (navigator.locks) held for as long as a writer of the OPFS store is open, so two
// tabs or workers of one origin never write one ingest at once (crates/opfs/src/locks.rs).

// Locks this context released that the browser may not have let go of yet, by name: the
// lock manager frees a lock a moment after its holder lets go, and a writer closed and opened
// again at once in one page must not find its own lock taken.
const releasing = new Map();

// Resolves to a function that releases the lock once taken, to null when another context of
// this origin holds it, and to undefined when the browser has no Web Locks.
export async function acquireLock(name) {
  const locks = globalThis.navigator && globalThis.navigator.locks;
  if (!locks || typeof locks.request !== "function") return undefined;
  await releasing.get(name);
  return new Promise((resolve, reject) => {
    let let_go;
    const held = new Promise((release) => (let_go = release));
    const done = locks.request(name, { ifAvailable: true }, (lock) => {
      if (!lock) {
        resolve(null);
        return undefined;
      }
      resolve(() => {
        const freed = done.then(() => {}, () => {});
        releasing.set(name, freed);
        freed.then(() => releasing.get(name) === freed && releasing.delete(name));
        let_go();
      });
      // Held until the returned promise settles: until the release function is called.
      return held;
    });
    done.catch(reject);
  });
}
