// Files picked through the File System Access API (Chromium's showOpenFilePicker): the page
// keeps their handles in IndexedDB (a handle can be stored there; localStorage holds text
// only), so an unfinished upload resumes after a reload or a browser restart without the
// person picking the file again. See web/src/file_handles.rs.
const DB = 'ociscope-file-handles';
const STORE = 'handles';

export function can_pick() {
  return typeof globalThis.showOpenFilePicker === 'function' && typeof indexedDB === 'object';
}

// {handle, file} of the file the person picks; null when they close the picker.
export async function pick() {
  let handles;
  try {
    handles = await globalThis.showOpenFilePicker({ multiple: false });
  } catch (e) {
    if (e && e.name === 'AbortError') return null;
    throw e;
  }
  const handle = handles[0];
  return handle ? { handle, file: await handle.getFile() } : null;
}

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('the file store is open in an older tab'));
  });
}

// Runs `work` on the store in one transaction; resolves with its request's result once the
// transaction is complete (so a put is on disk before the upload goes on).
async function run(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const request = work(t.objectStore(STORE));
      t.oncomplete = () => resolve(request.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error || new Error('the transaction was aborted'));
    });
  } finally {
    db.close();
  }
}

export async function keep(key, handle) {
  await run('readwrite', (s) => s.put(handle, key));
}

export async function forget(key) {
  await run('readwrite', (s) => s.delete(key));
}

// {handle, file} kept under `key`, read access asked for again where the browser dropped it
// (that needs the click that resumes); null when nothing is kept.
export async function kept(key) {
  const handle = await run('readonly', (s) => s.get(key));
  if (!handle) return null;
  const mode = { mode: 'read' };
  if (typeof handle.queryPermission === 'function' &&
      (await handle.queryPermission(mode)) !== 'granted') {
    const asked = typeof handle.requestPermission === 'function'
      ? await handle.requestPermission(mode) : 'denied';
    if (asked !== 'granted') throw new Error(`reading ${handle.name} was not allowed`);
  }
  return { handle, file: await handle.getFile() };
}
