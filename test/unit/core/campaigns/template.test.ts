import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../core/errors.ts';
import { missingVariables, renderMessage, renderText, templateVariables } from '../../../../core/campaigns/template.ts';

describe('campaign templates', () => {
  it('replaces placeholders with the recipient variables', () => {
    expect(renderText('Hi {{name}}, your code is {{ code }}.', { name: 'Ana', code: '42' })).toBe('Hi Ana, your code is 42.');
  });

  it('uses the fallback when a variable is missing or empty', () => {
    expect(renderText('Hi {{name|there}}!', {})).toBe('Hi there!');
    expect(renderText('Hi {{name| there }}!', { name: '' })).toBe('Hi there!');
    expect(renderText('Hi {{name|there}}!', { name: 'Bo' })).toBe('Hi Bo!');
  });

  it('inserts values literally, once: no expansion of placeholders inside values, no evaluation', () => {
    expect(renderText('{{a}} {{b}}', { a: '{{b}}', b: '${process.exit(1)}' })).toBe('{{b}} ${process.exit(1)}');
    expect(renderText('{{a}}', { a: '$& $1 $$' })).toBe('$& $1 $$');
  });

  it('lists required variables (those without fallback) and what a recipient lacks', () => {
    const variables = templateVariables({ type: 'text', text: 'Hi {{name}}, {{city|friend}} {{name}}' });
    expect(variables.required).toEqual(['name']);
    expect(variables.all).toEqual(['name', 'city']);
    expect(missingVariables(variables, { city: 'x' })).toEqual(['name']);
    expect(missingVariables(variables, { name: 'y' })).toEqual([]);
  });

  it('refuses malformed placeholders', () => {
    for (const text of ['Hi {{first name}}', 'Hi {{name', 'Hi {{}}', 'Hi {{1abc}}', 'Hi {{a.b}}']) {
      expect(() => templateVariables({ type: 'text', text }), text).toThrow(ValidationError);
    }
  });

  it('templates media captions and leaves other types alone', () => {
    const image = renderMessage({ type: 'image', url: 'https://example.com/a.png', caption: 'For {{name}}' }, { name: 'Cy' });
    expect(image).toEqual({ type: 'image', url: 'https://example.com/a.png', caption: 'For Cy' });
    const location = { type: 'location' as const, latitude: 1, longitude: 2, name: '{{name}}' };
    expect(renderMessage(location, { name: 'x' })).toBe(location);
    expect(templateVariables(location).all).toEqual([]);
  });
});
