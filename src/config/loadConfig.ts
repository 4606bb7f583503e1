import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { configSchema, type HeraldConfig } from './schema.js';

/** One problem in a config file, located by its path (`schedules[0].at`). */
export interface ConfigIssue { path: string; message: string }

export class ConfigError extends Error {
  constructor(readonly file: string, readonly issues: ConfigIssue[]) {
    super(`${file}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

export const defaultConfigPath = 'config/herald.yaml';

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/**
 * Replaces `${NAME}` and `${NAME:-default}` in string values with the environment's value, so
 * secrets stay out of the file. A reference to an unset variable without a default is an issue.
 */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, issues: ConfigIssue[], path: (string | number)[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      issues.push({ path: formatPath(path), message: `environment variable ${name} is not set` });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, issues, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, issues, [...path, k])]));
  }
  return value;
}

function zodIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((i) => ({ path: formatPath(i.path as PropertyKey[]), message: i.message }));
}

/** Validates an already-parsed config object; throws ConfigError listing every issue with its path. */
export function parseConfig(raw: unknown, file = '(config)', env: NodeJS.ProcessEnv = process.env): HeraldConfig {
  const issues: ConfigIssue[] = [];
  const substituted = substituteEnv(raw ?? {}, env, issues);
  const result = configSchema.safeParse(substituted);
  if (!result.success) issues.push(...zodIssues(result.error));
  if (issues.length > 0) throw new ConfigError(file, issues);
  return result.data!;
}

/**
 * Loads the config: `file`, else HERALD_CONFIG, else config/herald.yaml. With no file given and
 * no default file present, the built-in defaults apply (the demo needs no config).
 */
export async function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): Promise<{ config: HeraldConfig; file: string | null }> {
  const explicit = file ?? env.HERALD_CONFIG;
  const path = explicit ?? defaultConfigPath;
  if (!explicit && !existsSync(path)) return { config: parseConfig({}, '(defaults)', env), file: null };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [{ path: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})` }]);
  }
  const doc = YAML.parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(path, doc.errors.map((e) => ({ path: `line ${e.linePos?.[0]?.line ?? '?'}`, message: e.message.split('\n')[0] })));
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(path, [{ path: '', message: `not valid YAML: ${(err as Error).message.split('\n')[0]}` }]);
  }
  return { config: parseConfig(raw, path, env), file: path };
}
