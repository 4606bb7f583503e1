import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config/loadConfig.js';
import { reportNames } from '../config/schema.js';
import { InputError } from '../report/ReportContext.js';
import { PeriodError } from '../time/periods.js';
import { TemplateError } from '../render/templates.js';
import { systemClock } from '../time/clock.js';
import { registerRecipientsCommands } from './commands/recipients.js';
import { registerDecisionsCommands } from './commands/decisions.js';
import { oneLine } from './oneLine.js';
import { logLevelFromEnv } from '../ops/logger.js';

/** Exit codes (SPEC §9): 0 success, 1 the work failed, 2 bad usage or bad input. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

function isInputError(err: unknown): boolean {
  return err instanceof InputError || err instanceof PeriodError || err instanceof ConfigError;
}

export function buildProgram(): Command {
  const program = new Command('herald')
    .description('Scheduled executive briefs (PDF by email and Slack) and critical alerts (SMS).')
    .option('-c, --config <file>', 'config file (default: HERALD_CONFIG, else config/herald.yaml)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`${oneLine(str.split('\n')[0])}\n`) });

  const config = async () => (await loadConfig(program.opts().config)).config;

  program.command('migrate').description("apply herald's migrations (idempotent)")
    .action(async () => (await import('./commands/migrate.js')).migrateCommand(await config()));

  program.command('preview <report>')
    .description(`render one report (${reportNames.join(', ')}): --tenant ID|--portfolio --period P [--format pdf|html|json] [--out FILE]`)
    .option('--tenant <id>', 'tenant id')
    .option('--portfolio', 'portfolio scope (all tenants)')
    .option('--period <period>', '2026-11-21 | 2026-W47 | 2026-11, in the tenant\'s time zone (the portfolio: config timezone)')
    .option('--timezone <zone>', 'resolve the period in this IANA zone instead')
    .option('--format <format>', 'pdf | html | json', 'pdf')
    .option('--out <file>', 'output file (pdf default: <tenant|portfolio>-<report>-<period>.pdf; html/json default: stdout)')
    .option('--untagged', 'untagged PDF: faster and smaller, less accessible')
    .option('--to-date', 'a period that is not over yet, so far (it says "to date")')
    .action(async (report: string, opts) => (await import('./commands/preview.js')).previewCommand(report, opts, await config()));

  program.command('demo').description('embedded demo: sample data for three tenants, every executive brief rendered')
    .option('--out <dir>', 'output folder', 'demo-output')
    .action(async (opts: { out: string }) => {
      const { runDemo } = await import('../demo/runDemo.js');
      const result = await runDemo(await config(), { outDir: opts.out, clock: systemClock });
      process.stdout.write(`\n${result.briefs.length} briefs in ${result.outDir}:\n`);
      for (const b of result.briefs) process.stdout.write(`  ${b.file}  (${b.pages} pages)\n`);
      const o = result.outbox;
      process.stdout.write(`\nLocal outbox (what would have been sent), ${o.dir}:\n`);
      process.stdout.write(`  email/  ${o.email} emails (.eml: open them in a mail client)\n`);
      process.stdout.write(`  slack/  ${o.slack} Slack posts (.json: the chat.postMessage payloads)\n`);
      process.stdout.write(`  sms/    ${o.sms} texts (one .txt per director's phone)\n`);
      process.stdout.write(`\nThe ${result.crisis.tenant} crisis, through the alert path:\n`);
      for (const s of result.crisis.steps) process.stdout.write(`  ${s.at.slice(11, 16)}Z  ${s.what}\n`);
    });

  const cfg = program.command('config').description('configuration');
  cfg.command('check [file]').description('validate a config file; print each error with its path')
    .option('--live', 'also check channel credentials and destinations (SMTP, Slack)')
    .action(async (file: string | undefined, opts: { live?: boolean }) => {
      const { configCheckCommand } = await import('./commands/configCheck.js');
      process.exitCode = await configCheckCommand(file ?? program.opts().config, undefined, undefined, opts);
    });
  // Commands load their modules on use: `herald runs list` need not load Chromium, Vega or Agenda.
  program.command('worker').description('scheduler + outbox + HTTP (/healthz, /metrics); SIGTERM drains and exits 0')
    .option('--port <port>', 'HTTP port', '8080')
    .action(async (opts: { port: string }) => {
      const { workerCommand } = await import('./commands/worker.js');
      process.exitCode = await workerCommand(await config(), opts);
    });

  program.command('run <schedule-id>').description("produce and send a schedule's briefs now")
    .option('--period <period>', 'one period (default: the last complete one)')
    .option('--from <period>', 'first period of a range')
    .option('--to <period>', 'last period of a range')
    .option('--tenant <id>', 'only this tenant')
    .option('--dry-run', 'render and check, archive and send nothing')
    .option('--force', 'resend deliveries that were already sent (same delivery keys)')
    .action(async (scheduleId: string, opts) => {
      const { runCommand } = await import('./commands/run.js');
      process.exitCode = await runCommand(scheduleId, opts, await config());
    });

  const schedules = program.command('schedules').description('configured schedules');
  schedules.command('list').description('next run of each schedule, in its time zone')
    .action(async () => (await import('./commands/schedules.js')).schedulesListCommand(await config()));

  const runs = program.command('runs').description('what was rendered and who received it');
  runs.command('list').description('recent runs with delivery counts')
    .option('--tenant <id>', 'only this tenant').option('--period <period>', 'only this period label').option('--limit <n>', 'rows', '20')
    .action(async (opts) => (await import('./commands/runs.js')).runsListCommand(await config(), opts));
  runs.command('show <run-id>').description('the artifact and every delivery of a run')
    .action(async (runId: string) => (await import('./commands/runs.js')).runsShowCommand(await config(), runId));

  registerRecipientsCommands(program, config);
  registerDecisionsCommands(program, config);
  const alerts = program.command('alerts').description('alerts: list, show, acknowledge, test a route');
  const alertsCli = () => import('./commands/alerts.js');
  alerts.command('list').description('recent alerts, newest first')
    .option('--tenant <id>', 'only this tenant').option('--state <state>', 'only pending | firing | acknowledged | resolved | open').option('--limit <n>', 'rows', '50')
    .action(async (o) => (await alertsCli()).alertsListCommand(await config(), o));
  alerts.command('show <alert-id>').description("an alert's timeline, and who was told when, through which channel, with which provider id")
    .action(async (id: string) => (await alertsCli()).alertsShowCommand(await config(), id));
  alerts.command('ack <alert-id>').description('acknowledge an alert: repeats and escalation stop')
    .option('--by <name>', 'who acknowledges (default: your user name)')
    .action(async (id: string, o: { by?: string }) => { process.exitCode = await (await alertsCli()).alertsAckCommand(await config(), id, o); });
  alerts.command('test <rule>').description("a test alert through the rule's real route: deliverability, revenue-impact, cost-overrun, efficiency, optimization")
    .option('--tenant <id>', 'tenant id')
    .action(async (rule: string, o: { tenant?: string }) => { process.exitCode = await (await alertsCli()).alertsTestCommand(await config(), rule, o); });
  return program;
}

/** Runs the CLI; returns the exit code. Bad input prints one line and no stack trace. */
export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    // Settings from the environment that every command reads are checked before any work.
    logLevelFromEnv();
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;   // commander already printed the message
    }
    if (isInputError(err)) {
      process.stderr.write(`herald: ${oneLine((err as Error).message)}\n`);
      return EXIT.usage;
    }
    const message = err instanceof TemplateError ? err.message : err instanceof Error ? err.message : String(err);
    process.stderr.write(`herald: ${oneLine(message.split('\n')[0])}\n`);
    if (process.env.HERALD_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    return EXIT.failed;
  }
}
