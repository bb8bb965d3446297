import { describe, expect, it } from 'vitest';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../../../core/errors.ts';
import { normalizeHeaders, readJsonBody } from '../../../../lambdas/api/http.ts';

const jsonHeaders = { 'content-type': 'application/json' };

describe('readJsonBody', () => {
  it('parses JSON, also base64-encoded and with +json types', () => {
    expect(readJsonBody({ body: '{"a":1}', isBase64Encoded: false }, jsonHeaders, 100)).toEqual({ a: 1 });
    expect(readJsonBody({ body: Buffer.from('[1]').toString('base64'), isBase64Encoded: true }, jsonHeaders, 100)).toEqual([1]);
    expect(readJsonBody({ body: '{}', isBase64Encoded: false }, { 'content-type': 'application/merge-patch+json; charset=utf-8' }, 100)).toEqual({});
  });

  it('reads an absent body as an empty object', () => {
    expect(readJsonBody({ body: null, isBase64Encoded: false }, {}, 100)).toEqual({});
  });

  it('refuses bodies over the limit (counted in bytes), non-JSON types and bad JSON', () => {
    expect(() => readJsonBody({ body: JSON.stringify({ t: 'é'.repeat(40) }), isBase64Encoded: false }, jsonHeaders, 80)).toThrow(PayloadTooLargeError);
    expect(() => readJsonBody({ body: '{}', isBase64Encoded: false }, { 'content-type': 'text/plain' }, 100)).toThrow(UnsupportedMediaTypeError);
    expect(() => readJsonBody({ body: '{}', isBase64Encoded: false }, {}, 100)).toThrow(UnsupportedMediaTypeError);
    expect(() => readJsonBody({ body: '{', isBase64Encoded: false }, jsonHeaders, 100)).toThrow(ValidationError);
  });
});

describe('normalizeHeaders', () => {
  it('lower-cases names and drops non-string values', () => {
    expect(normalizeHeaders({ 'Content-Type': 'a', X: undefined, Y: 1 as never })).toEqual({ 'content-type': 'a' });
    expect(normalizeHeaders(null)).toEqual({});
  });
});
