import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** The HTTP port, once the worker logged 'worker started'. */
  port: Promise<number>;
  /** stderr so far (pino JSON lines). */
  log(): string;
  exited: Promise<number | null>;
  /** SIGKILL the worker and its Chromium (its whole process group). */
  kill(): void;
  /** SIGTERM the worker only (it drains and closes its browser itself). */
  term(): void;
}

/** Starts `herald worker --port 0` as a real process in its own process group. */
export function startWorker(args: string[], env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(process.execPath, [`${root}scripts/herald.mjs`, ...args, 'worker', '--port', '0'], {
    cwd: root,
    env: { ...process.env, HERALD_CONFIG: '', HERALD_LOG_LEVEL: 'info', ...env },
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let resolvePort: (p: number) => void;
  let rejectPort: (e: Error) => void;
  const port = new Promise<number>((res, rej) => { resolvePort = res; rejectPort = rej; });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    const m = /"port":(\d+)[^\n]*"msg":"worker started"/.exec(stderr) ?? /"msg":"worker started"[^\n]*"port":(\d+)/.exec(stderr);
    if (m) resolvePort(Number(m[1]));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    rejectPort(new Error(`worker exited (${code}) before starting:\n${stderr.slice(-2000)}`));
    resolve(code);
  }));
  return {
    child,
    port,
    log: () => stderr,
    exited,
    kill: () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } },
    term: () => { child.kill('SIGTERM'); },
  };
}
