// Benchmark workload: a node:http server and a keep-alive client in the same process exchange many small JSON requests over loopback (an async, I/O- and event-loop-heavy load).
// Usage: deno run -A bench/workloads/http.mjs [--scale X] | bun bench/workloads/http.mjs [--scale X]
//
// The server listens on 127.0.0.1 on a free port (chosen by the system) before the clock starts.
// For GET /items/<i> it builds a small object (id, name, tags, price, a nested record) and sends
// it as JSON. The client (node:http with a keep-alive agent of at most CONCURRENCY sockets) keeps
// CONCURRENCY requests in flight until all round(X × REQUESTS) are answered; it parses every body
// and checks it is the item asked for. Everything is closed at the end: the process exits on its
// own. Prints the result line of measure.mjs plus scale, requests, concurrency, connections (TCP
// connections the server accepted: CONCURRENCY when keep-alive works), outBytes (bodies
// received); checksum: the sum of every body's hash (the order of answers does not matter).
import { Buffer } from "node:buffer";
import http from "node:http";
import { hashText, parseScale, run, scaledCount } from "./measure.mjs";

/** Requests at --scale 1, and how many are in flight at once. */
const REQUESTS = 32000;
const CONCURRENCY = 16;

const TAGS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];

/** The item the server sends for id: a small object, computed from id alone. */
function item(id) {
  return {
    id,
    name: `item-${id.toString(36)}`,
    tags: TAGS.filter((_, k) => (id >> k) & 1),
    price: Math.round(((id * 7919) % 100000) / 7) / 100,
    inStock: id % 3 !== 0,
    dimensions: { w: id % 97, h: id % 89, d: id % 83 },
  };
}

const scale = parseScale("http.mjs");
const requests = scaledCount(scale, REQUESTS);

const server = http.createServer((req, res) => {
  const match = /^\/items\/(\d+)$/.exec(req.url ?? "");
  if (req.method !== "GET" || !match) {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found\n");
    return;
  }
  const body = JSON.stringify(item(Number(match[1])));
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
});
let connections = 0;
server.on("connection", () => connections++);
await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(0, "127.0.0.1", resolve);
});
const { port } = server.address();
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** GETs /items/<id> and resolves to the response body (rejects on a status other than 200). */
function get(id) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: `/items/${id}`, agent }, (res) => {
      res.setEncoding("utf8");
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on(
        "end",
        () => (res.statusCode === 200
          ? resolve(body)
          : reject(new Error(`GET /items/${id}: status ${res.statusCode}`))),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

try {
  await run(async () => {
    let next = 0, checksum = 0, outBytes = 0;
    const client = async () => {
      while (next < requests) {
        const id = next++;
        const body = await get(id);
        if (JSON.parse(body).id !== id) throw new Error(`GET /items/${id}: answered with another item: ${body}`);
        outBytes += body.length;
        checksum = (checksum + hashText(0, body)) >>> 0;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, client));
    return { checksum, scale, requests, concurrency: CONCURRENCY, connections, outBytes };
  });
} finally {
  agent.destroy();
  server.closeAllConnections?.();
  await new Promise((resolve) => server.close(() => resolve()));
}
