// The settings schema compiled by ajv. Run from source, it compiles on first use; the bundle replaces this module
// with the same validator generated at build time (scripts/build.mjs, ajv standalone code), so no command pays for
// loading ajv and compiling (~70 ms of CPU) to read a setting.
import { settingsSchema } from './settings-schema.js';

/** One failure as ajv reports it. */
export interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
}

export type SettingsValidate = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

/** ajv's options for this schema: the same at run time and in the build's generated code. */
export const SETTINGS_AJV_OPTIONS = { allErrors: false, strict: true } as const;

let compiled: SettingsValidate | undefined;

export async function settingsValidator(): Promise<SettingsValidate> {
  if (!compiled) {
    const { Ajv } = await import('ajv');
    compiled = new Ajv(SETTINGS_AJV_OPTIONS).compile(settingsSchema as Record<string, unknown>) as unknown as SettingsValidate;
  }
  return compiled;
}
