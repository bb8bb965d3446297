/**
 * Posts ops messages to a Slack-compatible incoming webhook. The URL is operator configuration (not tenant
 * input), so no SSRF guard; still a deadline, no redirects, and the answer body is not read beyond the status.
 */
import { DependencyError } from '../../core/errors.ts';
import type { OpsMessage } from './alarm-messages.ts';
import type { OpsNotifier } from './handle-alarm.ts';

export class HttpOpsNotifier implements OpsNotifier {
  constructor(
    private readonly url: string,
    private readonly timeoutMs = 5_000,
  ) {}

  async notify(message: OpsMessage): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'wa-fleet-alarms/1' },
        body: JSON.stringify(message),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new DependencyError('ops-webhook', 'request failed', error);
    }
    await response.body?.cancel();
    if (response.status < 200 || response.status >= 300) {
      throw new DependencyError('ops-webhook', `answered ${response.status}`);
    }
  }
}
