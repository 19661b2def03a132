import { chooseSigningBackend } from '../../src/adapters/crypto/choose-signing-backend.js';
import type { SigningBackend } from '../../src/domain/ports.js';
import { RecordingLogger } from './fakes.js';

/** The signer the service chooses on this machine (SIGNER=auto): Nettle when built, else OpenSSL. */
export const signingBackend: SigningBackend = await chooseSigningBackend('auto', new RecordingLogger());
