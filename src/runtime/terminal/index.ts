// The terminal: terminal modes (raw, alternate screen) and interactive sessions (docker exec or host command under node-pty).
export {
  ContainerTerminalSession,
  HostTerminalSession,
  type SessionSize,
  type TerminalSession,
  pipeTerminal,
  runInteractive,
} from './terminal-session.js';
export { ESC, type TerminalGuard, onFatal, setOutputProcessing, signalExitCode, takeTerminal } from './terminal.js';
