/** The image API's version list (`glance/api/versions.py`): every v2.x minor points at `/v2/`. */
const MINORS = ['2.15', '2.9', '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'];

export function imageVersions(origin: string) {
  return {
    versions: MINORS.map((v, i) => ({
      id: `v${v}`,
      status: i === 0 ? 'CURRENT' : 'SUPPORTED',
      links: [{ rel: 'self', href: `${origin}/v2/` }],
    })),
  };
}
