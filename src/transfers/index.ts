// Public face of transfers: the durable queue (RPC handlers), the runner (daemon), the
// configuration export (Upload "1 Vendor Configuration File" / CLI export).
import { UNKNOWN_TIME, type DownloadResponse, type UploadResponse } from '../cwmp/types.js';

export { TransferFault, FAULT } from './faults.js';
export {
  TransferQueue,
  DOWNLOAD_FILE_TYPES,
  UPLOAD_FILE_TYPES,
  DEFAULT_MAX_QUEUE_DEPTH,
  cwmpTime,
  type TransferEntry,
  type TransferPhase,
  type TransferRequest,
  type TransferResult,
} from './queue.js';
export {
  TransferRunner,
  DEFAULT_LIMITS,
  type RunnerDeps,
  type RunnerLimits,
  type TransferCommands,
  type TransferLog,
} from './runner.js';
export { runShellCommand, type CommandRunner, type CommandSpec, type CommandResult } from './commands.js';
export { exportConfig, parseConfigExport, EXPORT_HEADER, type ExportOptions } from './config-export.js';
export { parseManifest, looksLikeManifest, type Manifest, type ManifestLink } from './manifest.js';
export { downloadToFile, safeLocalName, type DownloadSpec, type DownloadedFile } from './http-download.js';
export { uploadBuffer } from './upload.js';
export type { HttpTransferOptions } from './http-common.js';

/** Interop rule: always Status 1 with the unknown times — the result comes later in TransferComplete. */
export function acceptedDownload(): DownloadResponse {
  return { method: 'DownloadResponse', status: 1, startTime: UNKNOWN_TIME, completeTime: UNKNOWN_TIME };
}
export function acceptedUpload(): UploadResponse {
  return { method: 'UploadResponse', status: 1, startTime: UNKNOWN_TIME, completeTime: UNKNOWN_TIME };
}
