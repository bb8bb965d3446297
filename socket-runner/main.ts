/**
 * The socket runner process (ECS Fargate task; a child process of `npm start` locally): the one place that
 * builds the real adapters and wires ownership (leases, placement, drain: runner.ts) to hosting (session
 * host, command loop, events, health, metrics).
 *
 * Signals: the first SIGTERM/SIGINT drains (stop claiming and polling, hand every session over, release
 * the slot) within DRAIN_BUDGET_MS, then exits 0, or 1 if some session could not be handed over in time
 * (its lease then simply expires). A second signal, or the budget running out, exits at once.
 * A bad configuration exits 2 with one line on stderr.
 */
import { createAwsClients, destroyAwsClients } from '../core/aws/clients.ts';
import { createDynamoClients } from '../core/aws/dynamo-clients.ts';
import { S3BlobStore } from '../core/aws/s3-blob-store.ts';
import { SqsQueue } from '../core/aws/sqs-queue.ts';
import { DynamoTable } from '../core/aws/dynamo-table.ts';
import { systemClock } from '../core/clock.ts';
import { CommandRepository } from '../core/commands/command-repository.ts';
import { SlotQueues } from '../core/commands/slot-queues.ts';
import { SqsEventPublisher } from '../core/events/event-publisher.ts';
import { createLogger } from '../core/logger.ts';
import { tables } from '../core/resources.ts';
import { SessionRepository } from '../core/sessions/session-repository.ts';
import { openAuthState, purgeAuthState, type AuthStateDeps } from './auth/dynamodb-auth-state.ts';
import { createCommandLoop } from './commands/command-loop.ts';
import { loadRunnerConfig, RunnerConfigError, type RunnerConfig } from './config.ts';
import { BufferedEventPublisher } from './events/buffered-event-publisher.ts';
import { runnerHealth, startHealthServer } from './health/health-server.ts';
import { LeaseManager } from './lease/lease-manager.ts';
import { LeaseStore } from './lease/lease-store.ts';
import { RunnerRegistry } from './lease/runner-registry.ts';
import { RunnerMetrics } from './metrics/runner-metrics.ts';
import { Runner } from './runner.ts';
import { createSessionHost } from './session/session-host.ts';
import { settleWithin } from './settle-within.ts';
import { baileysConnectionFactory } from './whatsapp/baileys-connection.ts';
import { installSimulatorTrustAnchor } from './whatsapp/simulator-trust-anchor.ts';

/** Time left after the drain budget for flushing events and closing the health server. */
const EXIT_GRACE_MS = 5_000;

function readConfig(): RunnerConfig {
  try {
    return loadRunnerConfig(process.env);
  } catch (error) {
    if (!(error instanceof RunnerConfigError)) throw error;
    process.stderr.write(`socket-runner: invalid configuration: ${error.message}\n`);
    process.exit(2);
  }
}

const config = readConfig();
const clock = systemClock;
const logger = createLogger('socket-runner', { runnerId: config.runnerId });
if (config.logLevel) logger.setLogLevel(config.logLevel as 'INFO');
if (config.simulatorRootPublicKey) installSimulatorTrustAnchor(Buffer.from(config.simulatorRootPublicKey, 'base64'));
const { resources } = config;

const clients = createAwsClients({ dynamoRequestTimeoutMs: config.dynamoRequestTimeoutMs });
// Leases get a client (and so a socket pool) of their own: a burst of credential writes during a mass
// bring-up must never queue a renewal behind it until its lease self-fences.
const leaseClients = createDynamoClients({ dynamoRequestTimeoutMs: config.dynamoRequestTimeoutMs });
const leaseTable = new DynamoTable(leaseClients.doc, resources.leasesTable, tables.leases);
const leaseStore = new LeaseStore(leaseTable);
const sessions = new SessionRepository(new DynamoTable(clients.doc, resources.sessionsTable, tables.sessions), clock);
const commandRepository = new CommandRepository(new DynamoTable(clients.doc, resources.commandsTable, tables.commands), clock);
const events = new BufferedEventPublisher(new SqsEventPublisher(new SqsQueue(clients.sqs, resources.eventsQueueUrl)), logger);

const authDeps: AuthStateDeps = {
  table: new DynamoTable(clients.doc, resources.authTable, tables.auth),
  blobs: new S3BlobStore(clients.s3, resources.credentialsBucket),
  clock,
  logger,
  options: config.auth,
  onFenced: (error) => runner.fenced(error),
};

const leases = new LeaseManager({
  store: leaseStore,
  clock,
  owner: config.runnerId,
  timings: config.lease,
  renewConcurrency: config.lease.renewConcurrency,
  logger,
  onLost: (lease) => runner.leaseLost(lease),
});

// The host counts into the metrics and the metrics sample the host: built first, they read it lazily.
const metrics: RunnerMetrics = new RunnerMetrics({
  sources: { host: { statusCounts: () => host.statusCounts(), size: () => host.size(), stuckDisconnected: (ms) => host.stuckDisconnected(ms) } },
  clock,
  runnerId: config.runnerId,
});

const host = createSessionHost({
  sessions,
  commands: commandRepository,
  events,
  auth: {
    open: (owned) => openAuthState(authDeps, owned),
    purge: async (tenantId, sessionId) => {
      await purgeAuthState(authDeps, tenantId, sessionId);
    },
  },
  connect: baileysConnectionFactory({ waWebSocketUrl: config.waWebSocketUrl }),
  clock,
  logger,
  metrics,
  onSessionEnded: (sessionId, reason) => runner.sessionEnded(sessionId, reason),
});

const commandLoop = createCommandLoop({
  queues: new SlotQueues(clients.sqs, resources.commandsQueueUrlTemplate, resources.slotCount),
  lanes: host,
  ownership: { ownerSlotOf: (tenantId, sessionId) => runner.ownerSlotOf(tenantId, sessionId) },
  clock,
  logger,
  metrics,
});

const runner: Runner = new Runner({
  runnerId: config.runnerId,
  slotCount: resources.slotCount,
  clock,
  logger,
  leases,
  leaseStore,
  registry: new RunnerRegistry(leaseTable, clock, config.runnerTtlMs),
  sessions,
  host,
  commands: commandLoop,
  placement: config.placement,
  timings: config.timings,
});

let signals = 0;
function onSignal(signal: NodeJS.Signals): void {
  signals++;
  if (signals > 1) {
    logger.warn('runner.forced_exit', { signal });
    process.exit(1);
  }
  logger.info('runner.signal', { signal });
  void runner.stop();
  // If the drain itself hangs, the budget still bounds the process's life.
  setTimeout(() => {
    logger.error('runner.drain_budget_exhausted', {});
    process.exit(1);
  }, config.timings.drainBudgetMs + EXIT_GRACE_MS).unref();
}
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
// One session's stray rejection (Baileys has a few) must not take every other session down with it.
process.on('unhandledRejection', (reason) => logger.error('runner.unhandled_rejection', { error: String(reason) }));
process.on('uncaughtException', (error) => {
  logger.error('runner.uncaught_exception', { error: String(error), stack: error.stack });
  process.exitCode = 1;
  void runner.stop();
});

const health = await startHealthServer({ port: config.healthPort, report: runnerHealth({ ownership: runner, loop: commandLoop, host }), logger });
metrics.start();
logger.info('runner.started', {
  slotCount: resources.slotCount,
  healthPort: health.port,
  simulator: config.simulator,
  leaseMs: config.lease.durationMs,
});

const report = await runner.run();
await settleWithin(events.close(EXIT_GRACE_MS), EXIT_GRACE_MS);
metrics.stop();
await settleWithin(health.close(), 1_000);
destroyAwsClients(clients);
leaseClients.doc.destroy();
leaseClients.dynamo.destroy();
process.exit(process.exitCode ?? (report.remaining === 0 ? 0 : 1));
