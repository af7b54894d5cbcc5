/** `glint seed --synthetic N`: fill the catalog with a generated, deterministic catalog of N images. */
import { withServices, type ServicesConfig } from '../app.js';
import { syntheticImages, type SyntheticOptions } from '../catalog/synthetic.js';
import { progressBar } from './progress.js';

/** The entries, then `after` once the last has been taken. */
function* followedBy<T>(entries: Iterable<T>, after: () => void): Generator<T> {
  yield* entries;
  after();
}

export async function seedSynthetic(config: ServicesConfig, options: SyntheticOptions): Promise<string> {
  return withServices(config, async ({ catalog }) => {
    const bar = progressBar('Seeding');
    const started = performance.now();
    try {
      // Into an empty catalog the indexes are built after the last image, which takes a while more.
      const images = followedBy(syntheticImages(options), () => bar.finish('Building indexes…'));
      const added = await catalog.importImages(images, (done) => bar.update(done, options.images));
      bar.stop();
      const seconds = (performance.now() - started) / 1000;
      return `Seeded ${added} synthetic image(s) over ${options.projects} project(s) (seed ${options.seed}) in ${seconds.toFixed(1)} s`;
    } finally {
      bar.stop();
    }
  });
}
