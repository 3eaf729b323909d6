// Notices changes of settings.json made by the CLI (or by the ACS through the data model) and
// calls back within the polling interval. Polling (not inotify) because the file is replaced by
// rename on every write, which inotify watches on the old inode would miss.
import { watchFile, unwatchFile, type Stats } from 'node:fs';

export function watchSettingsFile(path: string, onChange: () => void, intervalMs = 200): () => void {
  const listener = (cur: Stats, prev: Stats) => {
    if (cur.mtimeMs !== prev.mtimeMs || cur.ino !== prev.ino || cur.size !== prev.size) onChange();
  };
  watchFile(path, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(path, listener);
}
