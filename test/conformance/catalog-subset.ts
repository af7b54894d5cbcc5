// Which images of catalog.json a target must hold for one group of conformance cases, as
// `glint serve --import` selection flags, following `case_requirements` rather than hard-coding ids.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export type TargetState = 'base' | 'large_1000' | 'large_1001';

interface CaseRequirement {
  cases: string;
  sets: string[];
  exclude_ids?: string[];
}

export const CATALOG_PATH = fileURLToPath(new URL('./catalog.json', import.meta.url));

// The `cases` pattern of the requirement behind each state, exactly as catalog.json spells it.
const REQUIREMENT_FOR: Record<TargetState, string> = {
  base: '*',
  large_1000: 'large_1000_*',
  large_1001: 'large_1001_*',
};

/** `--set` and `--exclude` arguments that load exactly the images the cases of `state` need. */
export function selectionFlags(state: TargetState): string[] {
  const catalog = JSON.parse(fs.readFileSync(CATALOG_PATH, 'utf8')) as { case_requirements: CaseRequirement[] };
  const req = catalog.case_requirements.find((r) => r.cases === REQUIREMENT_FOR[state]);
  if (!req) throw new Error(`catalog.json has no case_requirements entry for ${REQUIREMENT_FOR[state]}`);
  return [...req.sets.flatMap((set) => ['--set', set]), ...(req.exclude_ids ?? []).flatMap((id) => ['--exclude', id])];
}
