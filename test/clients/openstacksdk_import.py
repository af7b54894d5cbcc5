"""Creates an image through the interoperable import with openstacksdk, as test/clients-import.test.ts asks.

Run with Debian's /usr/bin/python3 (the packaged openstacksdk 0.101 lives there). The one argument is JSON:
{"endpoint": image API base URL, "token", "name", "file"}. The image is created with
conn.image.create_image(..., use_import=True): openstacksdk creates it, sees the import methods the create
answer names (OpenStack-image-import-methods), stages the file and starts a glance-direct import, without
waiting for it. Prints JSON: the image's id and the requests made (urllib3's log lines).
"""
import json
import sys

import openstack
from request_log import collect_requests


def main():
    config = json.loads(sys.argv[1])
    requests = collect_requests()

    # admin_token: the token as it is, no discovery; the endpoint must include /v2.
    conn = openstack.connect(
        auth_type='admin_token',
        auth={'endpoint': config['endpoint'] + '/v2', 'token': config['token']},
        load_yaml_config=False,
        load_envvars=False,
    )
    image = conn.image.create_image(
        config['name'], filename=config['file'], disk_format='raw', container_format='bare', use_import=True,
    )
    json.dump({'id': image.id, 'requests': requests.lines}, sys.stdout)


if __name__ == '__main__':
    main()
