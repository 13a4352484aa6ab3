import { Command } from 'commander';
import { configCommand, hubCommand } from './commands/hub.js';
import { userCommand } from './commands/user.js';
import { sumCommand } from './commands/sum.js';
import { callCommand } from './commands/call.js';
import { collectorCommand } from './commands/collector.js';
import { templateCommand } from './commands/template.js';
import { daemonCommand } from './commands/daemon.js';
import { statusCommand } from './commands/status.js';
import { deviceCommand } from './commands/device.js';
import { deadletterCommand } from './commands/deadletter.js';
import { eventsCommand } from './commands/events.js';
import { newCommand } from './commands/new.js';
import { certCommand } from './commands/cert.js';
import { auditCommand } from './commands/audit.js';

const program = new Command('zhub')
  .description(
    'zhub: a hub with pluggable remote services, and the collector daemons that attach to it',
  )
  .showHelpAfterError()
  .addCommand(hubCommand())
  .addCommand(userCommand())
  .addCommand(sumCommand())
  .addCommand(callCommand())
  .addCommand(deviceCommand())
  .addCommand(collectorCommand())
  .addCommand(templateCommand())
  .addCommand(eventsCommand())
  .addCommand(deadletterCommand())
  .addCommand(daemonCommand())
  .addCommand(statusCommand())
  .addCommand(configCommand())
  .addCommand(newCommand())
  .addCommand(certCommand())
  .addCommand(auditCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err as { code?: string; message?: string };
  console.error(`zhub: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`);
  process.exit(1);
}
