"""The moto server of the local stack and the tests, answering one request
at a time.

moto's own `moto_server` answers requests on many threads without making a
conditional write atomic against another, and a failed transaction restores
a copy of the table taken when it began, losing writes made meanwhile.
DynamoDB makes both atomic; serialising the requests gives the local stack
the same guarantees, so races behave as they do on AWS.
"""

import os
import sys
import threading

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def one_at_a_time(environ, start_response):
        with lock:
            return [b"".join(app(environ, start_response))]

    run_simple(
        host,
        port,
        one_at_a_time,
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
