import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The logger factory. JSON lines by default; pretty when `pretty` is set (main decides, from
 * whether stdout is a terminal). Library code never creates loggers: it receives one.
 */
export function createLogger(options: LoggerOptions & { pretty?: boolean } = {}): Logger {
  const { pretty, ...rest } = options;
  if (pretty) {
    return pino({
      ...rest,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' },
      },
    });
  }
  return pino(rest);
}

let silent: Logger | undefined;

/**
 * A logger that writes nothing: the default for embedded use and tests. One instance serves
 * every caller (a daemon fleet of thousands of clients in one process would otherwise make a
 * pino instance, and an exit hook, per connection); its level is not to be changed.
 */
export function silentLogger(): Logger {
  return (silent ??= pino({ level: 'silent' }));
}
