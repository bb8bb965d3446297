/**
 * Use-cases for the tenant's suppression list through the API: add numbers, list them, take one off.
 * Numbers are normalised (E.164 digits) so `+49 151 1234 5678` and `4915112345678` are the same entry.
 */
import type { Page } from '../aws/dynamo-table.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { normalizePhoneNumber } from '../phone-number.ts';
import type { Suppression, SuppressionStore } from './suppression-store.ts';

export interface SuppressionDeps {
  readonly suppressions: SuppressionStore;
}

/** Adds numbers to the list; any invalid number refuses the request (400 with the offending positions). */
export async function addSuppressions(tenantId: string, phoneNumbers: readonly string[], deps: SuppressionDeps): Promise<Suppression[]> {
  const digits: string[] = [];
  const invalid: { path: (string | number)[]; message: string }[] = [];
  phoneNumbers.forEach((input, index) => {
    const normalized = normalizePhoneNumber(input);
    if (normalized) digits.push(normalized);
    else invalid.push({ path: ['phoneNumbers', index], message: 'not a valid phone number' });
  });
  if (invalid.length > 0) throw new ValidationError('Some phone numbers are not valid', invalid, 'invalid_phone_number');
  return deps.suppressions.add(tenantId, digits, 'api');
}

export async function listSuppressions(tenantId: string, page: { limit: number; cursor?: string }, deps: SuppressionDeps): Promise<Page<Suppression>> {
  return deps.suppressions.list(tenantId, page);
}

/** Takes a number off the list; 404 when it was not on it. */
export async function removeSuppression(tenantId: string, phoneNumber: string, deps: SuppressionDeps): Promise<void> {
  const digits = normalizePhoneNumber(phoneNumber);
  if (!digits) throw new ValidationError('Not a valid phone number', [{ path: ['phoneNumber'], message: 'not a valid phone number' }], 'invalid_phone_number');
  if (!(await deps.suppressions.remove(tenantId, digits))) throw new NotFoundError('Suppression', 'suppression_not_found');
}
