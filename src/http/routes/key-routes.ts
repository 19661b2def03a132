import type { Request, Response } from 'express';
import type { KeyInventory } from '../../services/key-inventory.js';
import type { KeyRotator } from '../../services/key-rotator.js';
import type { OperationHandler } from '../create-app.js';

const iso = (date: Date | undefined) => date?.toISOString();

export function keyRoutes(deps: {
  readonly rotator: KeyRotator;
  readonly inventory: () => Promise<KeyInventory>;
}): Record<'listPlaybackKeys' | 'rotatePlaybackKey', OperationHandler> {
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
  };
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
