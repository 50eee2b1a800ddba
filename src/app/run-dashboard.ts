// Opens the full-screen dashboard and owns the terminal: the terminal is restored on quit, signal or crash, and it
// is handed over whole to a terminal session while one is attached (Ink sees no keys and draws nothing meanwhile).
import { PassThrough } from 'node:stream';
import { Runtime } from '../runtime/core/index.js';
import { ESC, onFatal, setOutputProcessing, signalExitCode, takeTerminal, pipeTerminal } from '../runtime/terminal/index.js';
import { DashboardStore } from './dashboard-store.js';
import { disposeLiveStores } from './live-stores.js';
import { recordsStoreFor } from './records-store.js';
import { SessionManager } from './sessions.js';

/** How long the first frame waits for the first look at the engine (rooms, the room's containers). */
const FIRST_LOOK_MS = 150;

/** Back to the dashboard's screen after a session: whatever modes the session's programs left on are turned off. */
const DASHBOARD_SCREEN =
  ESC.resetAttributes + ESC.bracketedPasteOff + ESC.mouseOff + '\x1b[?1l\x1b>' + ESC.altScreenOn + ESC.cursorHide + '\x1b[2J\x1b[H';
const SESSION_SCREEN = ESC.resetAttributes + '\x1b[2J\x1b[H' + ESC.cursorShow;

/**
 * The terminal as Ink sees it: keys come only from what we feed it, and drawing goes through a gate that is shut
 * while a session has the screen. Raw mode belongs to takeTerminal, not to Ink.
 */
function inkTerminal(stdout: NodeJS.WriteStream) {
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    isRaw: true,
    setRawMode: () => stdin,
    ref: () => stdin,
    unref: () => stdin,
  });
  const gate = { open: true };
  const screen = new Proxy(stdout, {
    get(target, prop) {
      if (prop === 'write') return (chunk: string | Uint8Array, ...rest: unknown[]) => (gate.open ? target.write(chunk, ...(rest as [])) : true);
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { stdin: stdin as unknown as NodeJS.ReadStream, screen, gate };
}

/**
 * Ink, React and the views. Ink draws only the last frame, and chalk drops colours, when they think they run in CI
 * (CI, CI_*); on a real terminal the user asked for the dashboard, so those variables are hidden while they load
 * (both read the environment once, at import) and put back after.
 */
async function loadUi() {
  const ciVars = Object.entries(process.env).filter(([k]) => k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_'));
  for (const [k] of ciVars) delete process.env[k];
  try {
    const [{ render }, { default: React }, { App }] = await Promise.all([import('ink'), import('react'), import('./App.js')]);
    return { render, createElement: React.createElement, App };
  } finally {
    for (const [k, v] of ciVars) process.env[k] = v;
  }
}

export async function runDashboard(options: { host?: string; room?: string } = {}): Promise<number> {
  const rt = new Runtime({ host: options.host });
  const endpoint = await rt.endpoint();
  // Starts on --room, else BERTH_ROOM, else the configured default room (when it exists; else the first room).
  const store = new DashboardStore(rt, { initialRoom: await rt.room(options.room) });
  // The engine's module and connection first, so the store's first calls go out before Ink, React and the views (a
  // megabyte of code) compile: the first frame then already shows the room's containers.
  const started = store.start();
  await rt.engine().catch(() => undefined);
  const [{ render, createElement, App }, maxFps] = await Promise.all([loadUi(), rt.setting('ui').then((ui) => ui.maxFps)]);
  // The first frame is drawn with the first look's rooms and containers when they are in by then or soon after (they
  // usually come while the UI loads): one frame with the room, not a loading frame and a second one right after it.
  // An engine slower than FIRST_LOOK_MS gets the loading frame, as before.
  await Promise.race([started, new Promise((resolve) => setTimeout(resolve, FIRST_LOOK_MS).unref())]);
  store.publishNow();
  const sessions = new SessionManager({ host: options.host });
  const { stdin, stdout } = process;
  const terminal = takeTerminal({ stdin, stdout }, { altScreen: true, hideCursor: true, raw: true });
  const ink = inkTerminal(stdout);
  /** Where typed bytes go: Ink, or the attached session's input. */
  let sessionInput: PassThrough | undefined;
  const route = (chunk: Buffer) => {
    // A session has or is taking the screen: the keys are its (held until it is up, then passed on in order).
    if (sessions.inputHeld()) sessions.typeahead(chunk);
    else if (sessionInput) sessionInput.write(chunk);
    else ink.stdin.write(chunk);
  };
  stdin.on('data', route);
  stdin.resume();

  const attach = async (id: number) => {
    const entry = sessions.get(id);
    if (!entry || sessionInput) {
      if (!sessionInput) sessions.releaseInput();
      return;
    }
    ink.gate.open = false;
    stdout.write(SESSION_SCREEN);
    setOutputProcessing(stdin, false); // the session's bytes go out as they are; Ink needs it back on
    const input = (sessionInput = new PassThrough());
    // Keys typed since the session was asked for come first, then whatever the terminal sends.
    sessions.connectInput(id, (bytes) => input.write(bytes));
    try {
      await pipeTerminal(entry.session, { stdin: sessionInput, stdout }, { replay: sessions.replay(id) });
    } catch {
      // ended without an exit code (stopped): the Sessions view shows it
    } finally {
      sessions.releaseInput();
      input.destroy();
      sessionInput = undefined;
      setOutputProcessing(stdin, true);
      stdout.write(DASHBOARD_SCREEN);
      ink.gate.open = true;
      stdout.emit('resize'); // Ink redraws the whole frame (and the size may have changed while attached)
    }
  };
  sessions.onAttachRequest((id) => void attach(id));

  let instance: ReturnType<typeof render> | undefined;
  let closed = false;
  const shutdown = () => {
    closed = true;
    sessions.onAttachRequest(undefined);
    store.stop();
    disposeLiveStores();
    recordsStoreFor(rt).stop();
    instance?.unmount();
    stdin.off('data', route);
    stdin.pause();
    terminal.restore();
    rt.close();
    // Calls still waiting on an engine that stopped answering would keep the process from exiting.
    void rt.engine().then((engine) => engine.close(), () => {});
  };
  /** Sessions get a hang-up (their exec clients pass it on to the container), bounded so exit is never held long. */
  const endSessions = () => Promise.race([sessions.stopAll(), new Promise((r) => setTimeout(r, 4000).unref())]);
  const disposeFatal = onFatal(({ signal, error }) => {
    shutdown();
    if (error) process.stderr.write(`berth: dashboard crashed: ${(error as Error)?.stack ?? String(error)}\n`);
    void endSessions().finally(() => process.exit(signal ? signalExitCode[signal]! : 1));
  }, { exclusive: true });
  try {
    let quit!: () => void;
    const quitting = new Promise<void>((resolve) => (quit = resolve));
    instance = render(createElement(App, { store, endpoint: endpoint.url, onQuit: () => quit(), sessions }), {
      stdin: ink.stdin,
      stdout: ink.screen,
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps,
    });
    // Records follow their containers from the dashboard's events stream for as long as it runs, whatever view is open;
    // the database (and SQLite's addon) opens once the first containers are in, not before.
    void started.finally(() => {
      if (!closed) recordsStoreFor(rt).start(store.events);
    });
    await quitting;
    return 0;
  } finally {
    disposeFatal();
    shutdown();
    await endSessions();
  }
}
