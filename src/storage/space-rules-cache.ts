// Search's per-process cache of space rules: each space's availability rules and amenities with the
// version of its row (updated_at) they were read at. The reads in search-repository.ts use an entry
// only while the row still has that version, so a changed space shows in the next search.
import type { AvailabilityRules } from "../domain/index.ts";

/** What a space's version fixes: its rules and amenities. */
export interface VersionedRules {
  readonly version: string;
  readonly rules: AvailabilityRules;
  readonly amenities: readonly string[];
}

/**
 * Rules and amenities of spaces by id, each with the version of the space row it was read at. A
 * cached entry is used only while the row still has that version (every change of hours,
 * exceptions, amenities or settings moves updated_at), so a changed space shows at once.
 */
export class SpaceRulesCache {
  private readonly entries = new Map<string, VersionedRules>();

  constructor(private readonly maxEntries = 50_000) {}

  get(id: string): VersionedRules | undefined {
    return this.entries.get(id);
  }

  set(id: string, entry: VersionedRules): void {
    if (this.entries.size >= this.maxEntries && !this.entries.has(id)) this.entries.clear();
    this.entries.set(id, entry);
  }

  get size(): number {
    return this.entries.size;
  }
}
