/** `glint serve`: start the three listeners, optionally after loading a catalog or the demo set. */
import { createGlint } from '../app.js';
import { importCatalog } from '../catalog/transfer.js';
import type { Config } from '../config.js';
import { demoCatalog, DEMO_PROJECTS } from './demo-catalog.js';
import { describeImport, importFile } from './transfer.js';
import type { ImageSelection } from '../catalog/transfer.js';

export interface ServeOptions {
  importFile?: string;
  selection?: ImageSelection;
  demo?: boolean;
}

export async function serve(config: Config, options: ServeOptions): Promise<void> {
  const glint = createGlint(config);
  const { catalog } = glint;
  let sample: { user: string; project: string } | undefined;
  if (options.importFile) {
    const report = await importFile(catalog, options.importFile, options.selection);
    console.log(describeImport(options.importFile, report));
    const [user, project] = Object.entries(report.projects ?? {}).find(([, p]) => !p.roles?.includes('admin')) ?? [];
    if (user && project) sample = { user, project: project.id };
  }
  if (options.demo) sample = { user: 'demo', project: DEMO_PROJECTS.demo };
  if (options.demo && (await catalog.store.countImages()) === 0) {
    const added = await importCatalog(demoCatalog(config.profile.name), catalog.store, catalog.blobs);
    console.log(`Loaded the demo catalog (${added} images)`);
  }
  const recovered = await catalog.recoverInterruptedUploads();
  if (recovered > 0) console.log(`${recovered} image(s) whose upload was interrupted are queued again`);
  await glint.listen();

  const { compute, image, identity } = glint.urls;
  const { user, project } = sample ?? { user: '<user>', project: '<project_id>' };
  console.log(
    [
      `Glint is ready (profile ${config.profile.name}, auth ${config.auth}, data in ${config.dataDir})`,
      `  compute:  ${compute}`,
      `  image:    ${image}`,
      `  identity: ${identity}`,
      'Try the compute image list:',
      `  curl -s -H 'X-Auth-Token: ${user}:${project}' ${compute}/v2.1/${project}/images`,
    ].join('\n'),
  );

  // A closed stdout (e.g. the reading end of a pipe went away) must not turn a clean shutdown into a crash.
  process.stdout.on('error', () => undefined);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`${signal}: shutting down`);
    glint.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
