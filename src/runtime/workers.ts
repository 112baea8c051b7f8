/**
 * Starting an ingest worker thread that can listen on the port the other workers listen on. Bun's
 * `node:http` server sets SO_REUSEPORT when it believes it runs in a cluster worker, which it reads from
 * `NODE_UNIQUE_ID`; a worker thread started with that variable in its environment therefore shares the
 * port, and Linux spreads new connections across the threads listening. (Bun 1.4's `node:http` takes no
 * `reusePort` option itself, and `Bun.serve`, which does, stops answering HTTP/1.1 pipelined requests
 * whose answer waits: see serve.ts.) test/cluster checks that connections do spread, so a Bun that stops
 * doing this is caught.
 */
import { createServer } from 'node:net'

export function startWorkerThread(index: number): Worker {
  return new Worker(WORKER_ENTRY, {
    env: { ...process.env, NODE_UNIQUE_ID: String(index + 1) },
  } as WorkerOptions)
}

/**
 * The worker's module: beside this one in the source tree; in the single binary, where `npm run build`
 * embeds it as a second entry point, at its path under the embedded root (`src/` being the entry points'
 * common directory).
 */
const WORKER_ENTRY = import.meta.url.includes('/$bunfs/')
  ? '/$bunfs/root/cluster/worker.ts'
  : new URL('../cluster/worker.ts', import.meta.url).href

/**
 * Fails as a listen would (`EADDRINUSE`) when something already listens on the port. The workers bind
 * it with SO_REUSEPORT, which would let them join another program of the same user listening there with
 * it too, and share its connections; a plain bind first, let go at once, refuses that as a single
 * server would refuse it.
 */
export function checkPortFree(hostname: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen({ host: hostname, port, exclusive: true }, () => probe.close(() => resolve()))
  })
}
