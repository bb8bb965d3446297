/** Construct ids derived from resource definition ids: `webhook-deliveries` -> `WebhookDeliveries`. */
export function pascal(id: string): string {
  return id
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
