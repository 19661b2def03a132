import { IvsStore } from './ivs-state.js';
import { requireRegionName } from './regions.js';

/**
 * The stand-in's IVS account across regions. IVS is a regional service: each region has its own
 * key pairs (and quota), channels and revocations, and a request acts in the region its SigV4
 * credential scope names. A region's state is made on first use, as every region is open to the
 * account; `reset` empties every region but keeps the objects, so views handed out stay live.
 */
export class IvsAccount {
  private readonly stores = new Map<string, IvsStore>();

  constructor(
    private readonly accountId: string,
    private readonly clock: () => Date,
  ) {}

  /** The account's IVS state in `region`; throws a TypeError for a malformed region name. */
  in(region: string): IvsStore {
    let store = this.stores.get(region);
    if (!store) {
      store = new IvsStore(requireRegionName(region), this.accountId, this.clock);
      this.stores.set(region, store);
    }
    return store;
  }

  /** Regions holding any key pair, channel or revocation, sorted. */
  regionsInUse(): string[] {
    return [...this.stores.values()]
      .filter(
        (store) =>
          store.keyPairs.length +
            store.channels.length +
            store.revocations.length +
            store.restrictionPolicies.length >
          0,
      )
      .map((store) => store.region)
      .sort();
  }

  reset(): void {
    for (const store of this.stores.values()) store.reset();
  }
}
