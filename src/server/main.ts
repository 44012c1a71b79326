/**
 * Entry point of the language server process. The extension starts it over IPC (`--node-ipc`); tests and
 * other editors start it with `--stdio`. createConnection picks the transport from the command line.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';

import { checkExperimentText } from '../core/config/check';
import { createFileDataProbe } from '../core/config/dataProbe';
import { findTorchAsync } from '../core/engines/torchProbe';
import { ExperimentLanguageServer } from './server';

new ExperimentLanguageServer({ check: checkExperimentText, probe: createFileDataProbe(), findTorch: findTorchAsync }).listen(createConnection(ProposedFeatures.all));
