/**
 * Progress of long work: one redrawn line on a terminal, plain lines otherwise (CI, pipes).
 */
export interface Progress {
  step(label: string): void;
  done(summary?: string): void;
}

export function progress(total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  let n = 0;
  const tty = Boolean(stream.isTTY);
  const width = 24;
  return {
    step(label) {
      n += 1;
      if (tty) {
        const filled = Math.round((n / total) * width);
        stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total} ${label}`);
      } else {
        stream.write(`[${n}/${total}] ${label}\n`);
      }
    },
    done(summary) {
      if (tty) stream.write('\r\x1b[2K');
      if (summary) stream.write(`${summary}\n`);
    },
  };
}
