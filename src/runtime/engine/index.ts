// The engine: what berth asks of the Docker engine itself: its events stream, whether it still answers (watchdog) and its health.
export { type EngineStreamEvent, readEngineStream, registryError } from './engine-stream.js';
export { EngineWatchdog, type EngineWatchdogOptions, whileEngineAnswers } from './engine-watchdog.js';
export { type EngineEvent, engineJsonLines, watchEvents } from './events.js';
export { checkHealth } from './health.js';
export { type StatsSample, computeStats, sampleStatsById, watchStatsById } from './stats-sample.js';
export { RequestClosedError, SizeChangedError, TarUpload, type TarHeader } from './tar-upload.js';
