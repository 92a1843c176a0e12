// Run by roundtrip.test.mjs as a separate Node process: resumes an upload another process
// started, from nothing but its id and offset, writes the rest and commits it.
// Usage: node resume-child.mjs URL REPO ID OFFSET SIZE DIGEST; prints the descriptor as JSON.
import { Registry } from "ociscope";
import { pattern } from "./pattern.mjs";

const [url, repo, id, offset, size, digest] = process.argv.slice(2);
const registry = Registry.connect(url);
const session = await registry.resumeUpload(repo, id, { offset: Number(offset), chunkSize: 1 << 20 });
if (session.offset !== Number(offset)) throw new Error(`resumed at ${session.offset}, not ${offset}`);
const rest = pattern(Number(size)).subarray(Number(offset));
// Two writes of uneven sizes.
await session.write(rest.subarray(0, 12345));
await session.write(rest.subarray(12345));
const descriptor = await session.commit(digest);
console.log(JSON.stringify({ descriptor, offsetAtCommit: session.offset }));
