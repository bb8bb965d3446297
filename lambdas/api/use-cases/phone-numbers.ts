/**
 * The phone-number module (libphonenumber-js with its full metadata, the largest part of the API's code),
 * imported on first use: only requests that name a phone number load it, so a cold start that serves
 * anything else does not parse it (issue 9, target 7). Later calls get the already loaded module.
 */
import type * as PhoneNumbers from '../../../core/phone-number.ts';

export async function loadPhoneNumbers(): Promise<typeof PhoneNumbers> {
  return import('../../../core/phone-number.ts');
}
