import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import type { SigningBackend } from '../../domain/ports.js';
import { SERVICE_ATTRIBUTE_PREFIX } from './span-attributes.js';

/**
 * The signing backend, with a span around every signature (`ES384 sign`, a child of the request
 * that asked for the token): which library signed and with which key id. The input, the signature
 * and the key itself stay out of it. A token served again by TOKEN_REUSE_SECONDS has no such span,
 * because no signature was made.
 */
export function tracedSigning(backend: SigningBackend, tracer: Tracer): SigningBackend {
  return {
    name: backend.name,
    description: backend.description,
    async signerFor(key) {
      const signer = await backend.signerFor(key);
      const attributes = {
        [`${SERVICE_ATTRIBUTE_PREFIX}.signer`]: backend.name,
        [`${SERVICE_ATTRIBUTE_PREFIX}.key_id`]: key.keyId,
      };
      return {
        sign: (signingInput) =>
          tracer.startActiveSpan('ES384 sign', { kind: SpanKind.INTERNAL, attributes }, async (span) => {
            try {
              return await signer.sign(signingInput);
            } catch (error) {
              span.setStatus({ code: SpanStatusCode.ERROR });
              span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
              throw error;
            } finally {
              span.end();
            }
          }),
      };
    },
  };
}

/** The error's code (ERR_NETTLE_SIGN, …) or class name: never its message. */
function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'unknown';
}
