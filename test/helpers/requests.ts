// Builders for ACS requests in tests: every argument present (as GenieACS sends them), empty by default.
import type { Download } from '../../src/cwmp/types.js';

export function downloadRequest(over: Partial<Download> = {}): Download {
  return {
    method: 'Download',
    commandKey: '',
    fileType: '1 Firmware Upgrade Image',
    url: '',
    username: '',
    password: '',
    fileSize: 0,
    targetFileName: '',
    delaySeconds: 0,
    successUrl: '',
    failureUrl: '',
    ...over,
  };
}
