// Where berth keeps its config and data: XDG dirs on Linux (platform dirs elsewhere), all moved by BERTH_HOME.
import os from 'node:os';
import path from 'node:path';

export interface BerthPaths {
  configDir: string;
  dataDir: string;
  database: string;
  auditLog: string;
  roomsDir: string;
}

export function resolvePaths(env: NodeJS.ProcessEnv = process.env): BerthPaths {
  const home = env.BERTH_HOME;
  let configDir: string;
  let dataDir: string;
  if (home) {
    configDir = path.join(home, 'config');
    dataDir = path.join(home, 'data');
  } else if (process.platform === 'darwin') {
    configDir = path.join(os.homedir(), 'Library', 'Preferences', 'berth');
    dataDir = path.join(os.homedir(), 'Library', 'Application Support', 'berth');
  } else if (process.platform === 'win32') {
    const appData = env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming');
    const localAppData = env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local');
    configDir = path.join(appData, 'berth', 'Config');
    dataDir = path.join(localAppData, 'berth', 'Data');
  } else {
    configDir = path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'berth');
    dataDir = path.join(env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'berth');
  }
  return {
    configDir,
    dataDir,
    database: path.join(dataDir, 'berth.db'),
    auditLog: path.join(dataDir, 'actions.jsonl'),
    roomsDir: path.join(dataDir, 'rooms'),
  };
}
