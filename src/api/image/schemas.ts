/** The image API's JSON schemas, served verbatim as the reference publishes them: clients load them. */
import { readFileSync } from 'node:fs';

const load = (name: string): object => JSON.parse(readFileSync(new URL(`./schemas/${name}.json`, import.meta.url), 'utf8'));

export const SCHEMAS: Record<string, object> = {
  image: load('image'),
  images: load('images'),
  member: load('member'),
  members: load('members'),
};
