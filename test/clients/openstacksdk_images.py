"""Lists images through the compute API with openstacksdk, as test/clients-keystone.test.ts asks.

Run with Debian's /usr/bin/python3 (the packaged openstacksdk 0.101 lives there). The one argument
is JSON: {"auth_url", "username", "password", "project_name", "queries": {label: {kwargs}}}, each
query's kwargs going to conn.compute.images() as they are. Prints JSON: per label, the images it
yielded and the requests it made (urllib3's log lines, which show the paging; the first query's
also include the login and version discovery).
"""
import json
import logging
import sys

import openstack


class Requests(logging.Handler):
    """Collects the request lines urllib3 logs ("GET /v2.1/images/detail?limit=2 HTTP/1.1" 200 …)."""

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

    conn = openstack.connect(
        auth_url=config['auth_url'],
        username=config['username'],
        password=config['password'],
        project_name=config['project_name'],
        user_domain_name='Default',
        project_domain_name='Default',
        load_yaml_config=False,
        load_envvars=False,
    )
    results = {}
    for label, kwargs in config['queries'].items():
        requests.lines = []
        images = [
            {'id': image.id, 'name': image.name, 'status': image.status, 'min_ram': image.min_ram, 'min_disk': image.min_disk}
            for image in conn.compute.images(**kwargs)
        ]
        results[label] = {'images': images, 'requests': requests.lines}
    json.dump(results, sys.stdout)


if __name__ == '__main__':
    main()
