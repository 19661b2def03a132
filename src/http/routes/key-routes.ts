import type { Request, Response } from 'express';
import { type AdoptionRole, PrivateKeyPem } from '../../domain/signing-key.js';
import type { KeyInventory } from '../../services/key-inventory.js';
import type { AdoptionResult, KeyRotator } from '../../services/key-rotator.js';
import type { OperationHandler } from '../create-app.js';

const iso = (date: Date | undefined) => date?.toISOString();

/** Adopts a private key made outside this service (parsed and checked first: KEY_NOT_READABLE, …). */
export type AdoptKey = (
  privateKey: PrivateKeyPem,
  options: { readonly as?: AdoptionRole | undefined },
) => Promise<AdoptionResult>;

export function keyRoutes(deps: {
  readonly rotator: KeyRotator;
  readonly inventory: () => Promise<KeyInventory>;
  readonly adoptKey: AdoptKey;
}): Record<'listPlaybackKeys' | 'rotatePlaybackKey' | 'adoptPlaybackKey', OperationHandler> {
  return {
    async listPlaybackKeys(_req: Request, res: Response) {
      const inventory = await deps.inventory();
      res.json({
        registry: inventory.registry,
        slotLimit: inventory.slotLimit,
        keys: inventory.keys.map((key) =>
          withoutUndefined({
            keyId: key.keyId,
            state: key.state,
            fingerprint: key.fingerprint,
            createdAt: iso(key.createdAt),
            activatedAt: iso(key.activatedAt),
            deactivatedAt: iso(key.deactivatedAt),
            drainEndsAt: iso(key.drainEndsAt),
            retiredAt: iso(key.retiredAt),
            adoptedAt: iso(key.adoptedAt),
            adoptedAs: key.adoptedAs,
            published: key.published,
            arn: key.arn,
            regions: key.regions.map((region) =>
              withoutUndefined({
                region: region.region,
                published: region.published,
                arn: region.arn,
                fingerprint: region.fingerprint,
              }),
            ),
            drift: key.drift,
          }),
        ),
        foreignKeyPairs: inventory.foreignKeyPairs.map((pair) =>
          withoutUndefined({ region: pair.region, name: pair.name, arn: pair.arn }),
        ),
        regions: inventory.regions.map((region) => withoutUndefined({ ...region })),
      });
    },

    async rotatePlaybackKey(req: Request, res: Response) {
      const emergency = (req.body as { emergency?: boolean } | undefined)?.emergency === true;
      const result = await deps.rotator.rotate({ emergency });
      res.json(withoutUndefined({ ...result }));
    },

    async adoptPlaybackKey(req: Request, res: Response) {
      const body = req.body as { privateKeyPem: string; as?: AdoptionRole };
      // Wrapped at once so it cannot print itself; the parsed body is dropped with it.
      const privateKey = new PrivateKeyPem(body.privateKeyPem);
      req.body = undefined;
      res.json(adoptionResultBody(await deps.adoptKey(privateKey, { as: body.as })));
    },
  };
}

/** The JSON of an adoption's result (the route's response; the CLI prints the same). */
export function adoptionResultBody(result: AdoptionResult): Record<string, unknown> {
  return withoutUndefined({
    keyId: result.keyId,
    state: result.state,
    fingerprint: result.fingerprint,
    adoptedAt: iso(result.adoptedAt),
    drainEndsAt: iso(result.drainEndsAt),
    currentKeyId: result.currentKeyId,
    previousKeyId: result.previousKeyId,
    regions: result.regions.map((region) => withoutUndefined({ ...region })),
    steps: result.steps,
  });
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
