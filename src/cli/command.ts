import type { ParseArgsConfig } from 'node:util';
import type { Config } from '../config.js';

/** One `paperboy <command>`: cli.ts lists them, and prints its usage on a bad argument. */
export interface Command {
  summary: string;
  usage: string;
  options?: ParseArgsConfig['options'];
  run(args: { values: Record<string, unknown>; positionals: string[] }, config: Config): Promise<number | void>;
}
