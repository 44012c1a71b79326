/**
 * Entry point of the language server process. The extension starts it over IPC (`--node-ipc`); tests and
 * other editors start it with `--stdio`. createConnection picks the transport from the command line.
 * Over stdio, a message that breaks the base protocol (a bad Content-Length, a body that is not JSON) is
 * logged on stderr and the process exits with 1, so that the client restarts it (framing.ts says why).
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';

import { checkExperimentText } from '../core/config/check';
import { createFileDataProbe } from '../core/config/dataProbe';
import { findTorchAsync } from '../core/engines/torchProbe';
import { watchFraming } from './framing';
import { ExperimentLanguageServer } from './server';

/** Exit status of a server that stopped on a protocol error (non-zero: the client treats it as a crash and restarts it). */
const EXIT_PROTOCOL_ERROR = 1;

if (process.argv.includes('--stdio')) {
  // Registered before the connection reads stdin, in the same tick: both listeners see every chunk.
  watchFraming(process.stdin, (problem) => {
    // stderr, not the connection: the stream is broken, and the client shows the server's stderr in its output channel.
    process.stderr.write(`two-tower language server: protocol error on stdin: ${problem}. Exiting so that the client restarts the server.\n`);
    process.exit(EXIT_PROTOCOL_ERROR);
  });
}

new ExperimentLanguageServer({ check: checkExperimentText, probe: createFileDataProbe(), findTorch: findTorchAsync }).listen(createConnection(ProposedFeatures.all));
