/** The image API's JSON schemas, served verbatim as the reference publishes them: clients load them. */
import image from './schemas/image.json' with { type: 'json' };
import images from './schemas/images.json' with { type: 'json' };
import member from './schemas/member.json' with { type: 'json' };
import members from './schemas/members.json' with { type: 'json' };
import namespace from './schemas/metadefs/namespace.json' with { type: 'json' };
import namespaces from './schemas/metadefs/namespaces.json' with { type: 'json' };
import object from './schemas/metadefs/object.json' with { type: 'json' };
import objects from './schemas/metadefs/objects.json' with { type: 'json' };
import properties from './schemas/metadefs/properties.json' with { type: 'json' };
import property from './schemas/metadefs/property.json' with { type: 'json' };
import resourceType from './schemas/metadefs/resource_type.json' with { type: 'json' };
import resourceTypes from './schemas/metadefs/resource_types.json' with { type: 'json' };
import tag from './schemas/metadefs/tag.json' with { type: 'json' };
import tags from './schemas/metadefs/tags.json' with { type: 'json' };

export const SCHEMAS: Record<string, object> = {
  image,
  images,
  member,
  members,
  'metadefs/namespace': namespace,
  'metadefs/namespaces': namespaces,
  'metadefs/resource_type': resourceType,
  'metadefs/resource_types': resourceTypes,
  'metadefs/property': property,
  'metadefs/properties': properties,
  'metadefs/object': object,
  'metadefs/objects': objects,
  'metadefs/tag': tag,
  'metadefs/tags': tags,
};
