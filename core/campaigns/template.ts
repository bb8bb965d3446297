/**
 * Message templates for campaigns: `{{name}}` is replaced by the recipient's variable `name`, and
 * `{{name|there}}` falls back to `there` when the recipient has no (or an empty) `name`. Substitution is a
 * single pass of plain string replacement: a variable's value is inserted literally (a value that looks like
 * a placeholder is not expanded again) and nothing is evaluated. Anything else that opens with `{{` is a
 * malformed placeholder and refused when the campaign is created, so a typo never reaches a recipient.
 *
 * Placeholders are allowed in the text of text messages and in media captions.
 */
import { MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH, type MessageContent } from '../domain/message.ts';
import { ValidationError } from '../errors.ts';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*(?:\|([^{}]{0,256}))?\}\}/g;

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export interface TemplateVariables {
  /** Variables every recipient must carry (used without a fallback somewhere). */
  readonly required: readonly string[];
  /** Every variable the template mentions. */
  readonly all: readonly string[];
}

/** The template-bearing field of a message, if it has one. */
function templatedField(message: MessageContent): 'text' | 'caption' | undefined {
  if (message.type === 'text') return 'text';
  if (message.type === 'image' || message.type === 'video' || message.type === 'document') return 'caption';
  return undefined;
}

/** Checks the template's syntax and lists its variables; throws ValidationError (`invalid_template`). */
export function templateVariables(message: MessageContent): TemplateVariables {
  const field = templatedField(message);
  const text = field ? (message as Record<string, unknown>)[field] : undefined;
  if (typeof text !== 'string') return { required: [], all: [] };
  const required = new Set<string>();
  const all = new Set<string>();
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1]!;
    all.add(name);
    if (match[2] === undefined) required.add(name);
  }
  const rest = text.replace(PLACEHOLDER, '');
  if (rest.includes('{{')) {
    throw new ValidationError(
      'The message template has a malformed placeholder: use {{name}} or {{name|fallback}} (letters, digits, underscore)',
      [{ path: ['message', field], message: 'malformed placeholder' }],
      'invalid_template',
    );
  }
  return { required: [...required], all: [...all] };
}

/** The required variables a recipient lacks (missing or empty). */
export function missingVariables(variables: TemplateVariables, values: Readonly<Record<string, string>>): string[] {
  return variables.required.filter((name) => !values[name]);
}

/** Renders a string template with one recipient's variables. */
export function renderText(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined) => {
    const value = values[name];
    if (value) return value;
    return fallback?.trim() ?? '';
  });
}

/** The message one recipient gets. */
export function renderMessage(message: MessageContent, values: Readonly<Record<string, string>>): MessageContent {
  const field = templatedField(message);
  const text = field ? (message as Record<string, unknown>)[field] : undefined;
  if (!field || typeof text !== 'string') return message;
  return { ...message, [field]: renderText(text, values) } as MessageContent;
}

/** The longest a rendered text may be for this message type. */
export function renderedLimit(message: MessageContent): number | undefined {
  const field = templatedField(message);
  if (field === 'text') return MAX_TEXT_LENGTH;
  if (field === 'caption') return MAX_CAPTION_LENGTH;
  return undefined;
}

/** Length of the rendered template text, for the size check at creation. */
export function renderedLength(message: MessageContent, values: Readonly<Record<string, string>>): number {
  const field = templatedField(message);
  const text = field ? (message as Record<string, unknown>)[field] : undefined;
  return typeof text === 'string' ? renderText(text, values).length : 0;
}
