// Opens the full-screen dashboard and owns its exit: the terminal is restored on quit, signal or crash.
import React from 'react';
import { render } from 'ink';
import { Runtime } from '../runtime/runtime.js';
import { onFatal, signalExitCode, takeTerminal } from '../runtime/terminal.js';
import { App } from './App.js';
import { DashboardStore } from './dashboard-store.js';

export async function runDashboard(options: { host?: string } = {}): Promise<number> {
  const rt = new Runtime({ host: options.host });
  const endpoint = await rt.endpoint();
  const settings = await rt.settings();
  const store = new DashboardStore(rt);
  const terminal = takeTerminal({ stdin: process.stdin, stdout: process.stdout }, { altScreen: true, hideCursor: true });
  let instance: ReturnType<typeof render> | undefined;
  const shutdown = () => {
    store.stop();
    instance?.unmount();
    terminal.restore();
    rt.close();
  };
  const disposeFatal = onFatal(({ signal, error }) => {
    shutdown();
    if (error) process.stderr.write(`berth: dashboard crashed: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(signal ? signalExitCode[signal]! : 1);
  });
  try {
    let quit!: () => void;
    const quitting = new Promise<void>((resolve) => (quit = resolve));
    instance = render(<App store={store} endpoint={endpoint.url} onQuit={() => quit()} />, {
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: settings.get('ui').maxFps,
    });
    void store.start();
    await quitting;
    return 0;
  } finally {
    disposeFatal();
    shutdown();
  }
}
