// berth's version, set by the build (BERTH_VERSION); its own module so `berth --version` loads nothing else.
declare const BERTH_VERSION: string | undefined;
export const berthVersion = typeof BERTH_VERSION === 'string' ? BERTH_VERSION : '0.0.0-dev';
