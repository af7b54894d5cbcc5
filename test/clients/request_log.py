"""The HTTP requests a Python client makes, as urllib3 logs them, for the client scripts beside this one."""
import logging
import sys


class Requests(logging.Handler):
    """Collects the request lines urllib3 logs ("GET /v2.1/images/detail?limit=2 HTTP/1.1" 200 …)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        message = record.getMessage()
        if ' HTTP/1.' in message:
            self.lines.append(message)


def collect_requests():
    """Starts collecting urllib3's request lines; also logs them to stderr, so a failing test can show every exchange."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    requests = Requests()
    urllib3_log = logging.getLogger('urllib3.connectionpool')
    urllib3_log.setLevel(logging.DEBUG)
    urllib3_log.addHandler(requests)
    return requests
