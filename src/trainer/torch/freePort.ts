import { createServer } from 'node:net';

/** A TCP port free on the loopback interface right now, for a torchrun rendezvous store. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port for the torchrun rendezvous'))));
    });
  });
}
