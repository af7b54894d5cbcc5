// Builds the catalog a target must hold for one group of conformance cases,
// following `case_requirements` in catalog.json rather than hard-coding ids.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export type TargetState = 'base' | 'large_1000' | 'large_1001';

interface CatalogImage {
  id: string;
  set: string;
  [key: string]: unknown;
}

interface CaseRequirement {
  cases: string;
  sets: string[];
  exclude_ids?: string[];
}

export interface Catalog {
  format: string;
  case_requirements: CaseRequirement[];
  images: CatalogImage[];
  [key: string]: unknown;
}

const CATALOG_PATH = fileURLToPath(new URL('./catalog.json', import.meta.url));

// The `cases` pattern of the requirement behind each state, exactly as catalog.json spells it.
const REQUIREMENT_FOR: Record<TargetState, string> = {
  base: '*',
  large_1000: 'large_1000_*',
  large_1001: 'large_1001_*',
};

/**
 * The full catalog with `images` cut down to what the cases of `state` need;
 * every other top-level key (format, projects, ...) is kept as it is.
 */
export function catalogFor(state: TargetState): Catalog {
  const catalog = JSON.parse(fs.readFileSync(CATALOG_PATH, 'utf8')) as Catalog;
  const req = catalog.case_requirements.find((r) => r.cases === REQUIREMENT_FOR[state]);
  if (!req) throw new Error(`catalog.json has no case_requirements entry for ${REQUIREMENT_FOR[state]}`);
  const excluded = new Set(req.exclude_ids ?? []);
  const images = catalog.images.filter((img) => req.sets.includes(img.set) && !excluded.has(img.id));
  return { ...catalog, images };
}
