"""Lists and finds images with python-novaclient's Python API, as test/clients-keystone.test.ts asks.

Run with Debian's /usr/bin/python3 (novaclient 18.1). novaclient 18 has no compute image calls any
more: its only image API is `client.glance`, a GlanceManager that takes the image endpoint from the
Keystone catalog and calls Glance v2 (`list()`, `find_image()`, `find_images()`). The one argument
is JSON: {"auth_url", "username", "password", "project_name", "find_name", "find_ids"}. Prints JSON.
"""
import json
import logging
import sys

from keystoneauth1 import session
from keystoneauth1.identity import v3
from novaclient import client


def main():
    config = json.loads(sys.argv[1])
    # urllib3 logs every request on stderr, for a failing test to show.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    logging.getLogger('urllib3.connectionpool').setLevel(logging.DEBUG)

    auth = v3.Password(
        auth_url=config['auth_url'],
        username=config['username'],
        password=config['password'],
        project_name=config['project_name'],
        user_domain_name='Default',
        project_domain_name='Default',
    )
    nova = client.Client('2.1', session=session.Session(auth=auth))
    image = lambda found: {'id': found.id, 'name': found.name, 'status': found.status, 'min_ram': found.min_ram}
    # The compute endpoint of the catalog, reached with the same token: its version document.
    version = nova.versions.get_current()
    json.dump({
        'list': [image(found) for found in nova.glance.list()],
        'find_image_by_name': image(nova.glance.find_image(config['find_name'])),
        'find_image_by_id': image(nova.glance.find_image(config['find_ids'][0])),
        'find_images_by_ids': [image(found) for found in nova.glance.find_images(config['find_ids'])],
        'compute_version': {'id': version.id, 'status': version.status, 'version': version.version, 'min_version': version.min_version},
    }, sys.stdout)


if __name__ == '__main__':
    main()
