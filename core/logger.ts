/**
 * Structured logging with Powertools Logger: constant message + data object, child loggers carrying
 * tenantId/sessionId/commandId. Never log message bodies, full phone numbers (use maskPhone), keys or
 * credentials.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export type { Logger };

export function createLogger(serviceName: string, persistentKeys: Record<string, unknown> = {}): Logger {
  return new Logger({
    serviceName,
    logLevel: (process.env.POWERTOOLS_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'INFO') as 'INFO',
    persistentKeys,
  });
}
