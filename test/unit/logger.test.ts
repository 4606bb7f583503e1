import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger, repeatedFailureLog } from '../../src/ops/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

describe('repeatedFailureLog', () => {
  it('logs the first failure, then at most one a window with how many it left out', async () => {
    const { lines, logger } = capture();
    let now = 0;
    const log = repeatedFailureLog(logger, 'error', 'job queue error', { windowMs: 30_000, now: () => now });
    for (let s = 0; s < 65; s++) {
      now = s * 1000;
      log(new Error(`connect ECONNREFUSED (poll ${s})`));
    }
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.msg, l.err, l.repeats_not_logged, l.level])).toEqual([
      ['job queue error', 'connect ECONNREFUSED (poll 0)', undefined, 50],
      ['job queue error', 'connect ECONNREFUSED (poll 30)', 29, 50],
      ['job queue error', 'connect ECONNREFUSED (poll 60)', 29, 50],
    ]);
  });
});
