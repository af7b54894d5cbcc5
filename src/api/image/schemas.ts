/** The image API's JSON schemas, served verbatim as the reference publishes them: clients load them. */
import image from './schemas/image.json' with { type: 'json' };
import images from './schemas/images.json' with { type: 'json' };
import member from './schemas/member.json' with { type: 'json' };
import members from './schemas/members.json' with { type: 'json' };

export const SCHEMAS: Record<string, object> = { image, images, member, members };
