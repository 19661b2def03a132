import type { RotationLock } from '../../domain/ports.js';

/**
 * Serialises rotations inside one process. Across replicas, the Secrets Manager key store's
 * ClientRequestToken collision decides which rotation may stage a key, and the rotator refuses to
 * take over another replica's fresh pending key, so this is all the locking production needs.
 */
export class InProcessRotationLock implements RotationLock {
  #holder: string | undefined;

  async tryAcquire(owner: string): Promise<(() => Promise<void>) | undefined> {
    if (this.#holder !== undefined) return undefined;
    this.#holder = owner;
    return async () => {
      if (this.#holder === owner) this.#holder = undefined;
    };
  }
}
