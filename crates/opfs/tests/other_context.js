// Another context of the page's origin (a dedicated Worker), which takes Web Locks as another
// tab would: the lock manager is the origin's, shared by every page and worker.

const SOURCE = `
onmessage = (e) => {
  const { op, name } = e.data;
  if (op === "hold") {
    navigator.locks.request(name, () => {
      postMessage("held");
      return new Promise(() => {});
    });
  } else if (op === "try") {
    // Answered once the lock is let go again (request resolves after the callback), so the
    // page never races this worker's release.
    navigator.locks
      .request(name, { ifAvailable: true }, (lock) => (lock ? "got" : "taken"))
      .then((answer) => postMessage(answer));
  }
};`;

function ask(worker, message) {
  return new Promise((resolve) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.postMessage(message);
  });
}

function start() {
  return new Worker(URL.createObjectURL(new Blob([SOURCE], { type: "text/javascript" })));
}

// A worker that holds the lock `name` until it is stopped; resolves once it holds it.
export async function holdInWorker(name) {
  const worker = start();
  const answer = await ask(worker, { op: "hold", name });
  if (answer !== "held") throw new Error(`worker answered ${answer}`);
  return worker;
}

// Stops the worker (the browser releases its locks).
export function stopWorker(worker) {
  worker.terminate();
}

// Whether a fresh worker could take the lock `name` right now ("got" or "taken").
export async function tryInWorker(name) {
  const worker = start();
  try {
    return await ask(worker, { op: "try", name });
  } finally {
    worker.terminate();
  }
}
