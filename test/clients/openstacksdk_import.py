"""Creates an image through the interoperable import with openstacksdk, as test/clients.test.ts asks.

Run with Debian's /usr/bin/python3 (the packaged openstacksdk 0.101 lives there). The one argument is JSON:
{"endpoint": image API base URL, "token", "name", "file"}. The image is created with
conn.image.create_image(..., use_import=True): openstacksdk creates it, sees the import methods the create
answer names (OpenStack-image-import-methods), stages the file and starts a glance-direct import, without
waiting for it. Prints JSON: the image's id and the requests made (urllib3's log lines).
"""
import json
import logging
import sys

import openstack


class Requests(logging.Handler):
    """Collects the request lines urllib3 logs ("PUT /v2/images/<id>/stage HTTP/1.1" 204 …)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        message = record.getMessage()
        if ' HTTP/1.' in message:
            self.lines.append(message)


def main():
    config = json.loads(sys.argv[1])
    # Also on stderr, so a failing test can show every exchange.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    requests = Requests()
    urllib3_log = logging.getLogger('urllib3.connectionpool')
    urllib3_log.setLevel(logging.DEBUG)
    urllib3_log.addHandler(requests)

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
