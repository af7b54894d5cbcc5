"""Lists images through the compute API with openstacksdk, as test/clients-keystone.test.ts asks.

Run with Debian's /usr/bin/python3 (the packaged openstacksdk 0.101 lives there). The one argument
is JSON: {"auth_url", "username", "password", "project_name", "queries": {label: {kwargs}}}, each
query's kwargs going to conn.compute.images() as they are. Prints JSON: per label, the images it
yielded and the requests it made (urllib3's log lines, which show the paging; the first query's
also include the login and version discovery).
"""
import json
import sys

import openstack
from request_log import collect_requests


def main():
    config = json.loads(sys.argv[1])
    requests = collect_requests()

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
