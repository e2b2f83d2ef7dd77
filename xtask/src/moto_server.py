"""The moto server of the local stack and the tests, answering one request
at a time, with S3's checks of browser uploads.

moto's own `moto_server` answers requests on many threads without making a
conditional write atomic against another, and a failed transaction restores
a copy of the table taken when it began, losing writes made meanwhile.
DynamoDB makes both atomic; serialising the requests gives the local stack
the same guarantees, so races behave as they do on AWS.

moto 5.2.5 also copies every table a transaction touches, items and stream
records included, before it starts, so that it can put the copy back if the
transaction fails: each TransactWriteItems costs time in proportion to the
whole table, seconds once it holds a few thousand items, which DynamoDB
does not. `undo_by_item` below keeps only the items the transaction names
and the length of the table's stream, and puts those back instead: the
same outcome at the cost of the transaction itself.

moto 5.2.5 stores any browser upload (a multipart POST to a bucket) without
looking at its POST policy. S3 checks the signature, the expiry and every
condition, the size range included, and refuses the upload otherwise; the
check below does the same before moto sees the request, so the local stack
refuses what S3 refuses. It applies to every POST moto would give to S3 for
a bucket itself, path-style or with the bucket in the host name, whatever
the case of its content type; one that is not `multipart/form-data` is
refused as S3 refuses it.

moto 5.2.5 answers ConfirmForgotPassword for an address no user of the
pool has with ResourceNotFoundException, the error of a missing pool or
client. A pool with PreventUserExistenceErrors (the template's client has
it) answers CodeMismatchException instead, as for a wrong code, so that the
answer does not tell whether the address has an account;
`user_existence_hidden` below answers the same way.

moto 5.2.5 creates accounts without the attributes the pool's schema
requires, by AdminCreateUser as by SignUp. Cognito refuses such an account
with InvalidParameterException, naming each missing attribute;
`required_attributes_checked` below refuses it the same way, so that a
command or a test that leaves one out fails locally as it would on AWS.
"""

import base64
import copy
import datetime
import hashlib
import hmac
import io
import json
import os
import sys
import threading
from urllib.parse import unquote

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from werkzeug.serving import run_simple
from werkzeug.wrappers import Request

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.cognitoidp.exceptions import CodeMismatchException, InvalidParameterException
from moto.cognitoidp.models import CognitoIdpBackend
from moto.s3.responses import S3Response
from moto.s3.utils import bucket_name_from_url


# The secret key of the local stack's credentials (xtask's `local_sdk_config`
# and the functions' environment both use `local`/`local`).
LOCAL_SECRET_KEY = "local"

# Form fields S3 does not need a policy condition for.
UNCONDITIONED = {"policy", "x-amz-signature", "file"}


def s3_error(start_response, status, code, message):
    body = (
        f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    ).encode()
    start_response(
        status,
        [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
    )
    return [body]


def signing_key(secret, date, region, service):
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def policy_refusal(bucket, form, size):
    """Why S3 would refuse this browser upload, or None: (status, code, message)."""
    for name in ("policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date",
                 "x-amz-signature"):
        if name not in form:
            return ("400 Bad Request", "InvalidArgument",
                    f"Bucket POST must contain a field named '{name}'.")
    if form["x-amz-algorithm"] != "AWS4-HMAC-SHA256":
        return ("400 Bad Request", "InvalidArgument", "Unsupported algorithm.")
    scope = form["x-amz-credential"].split("/")
    if len(scope) != 5 or scope[3] != "s3" or scope[4] != "aws4_request":
        return ("400 Bad Request", "InvalidArgument", "Malformed credential.")
    key = signing_key(LOCAL_SECRET_KEY, scope[1], scope[2], "s3")
    expected = hmac.new(key, form["policy"].encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, form["x-amz-signature"]):
        return ("403 Forbidden", "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.")
    try:
        policy = json.loads(base64.b64decode(form["policy"]))
        expiration = datetime.datetime.fromisoformat(
            policy["expiration"].replace("Z", "+00:00"))
        conditions = policy["conditions"]
    except (ValueError, KeyError, TypeError):
        return ("400 Bad Request", "InvalidPolicyDocument", "Invalid Policy: malformed.")
    if expiration <= datetime.datetime.now(datetime.timezone.utc):
        return ("403 Forbidden", "AccessDenied", "Invalid according to Policy: Policy expired.")
    values = dict(form, bucket=bucket)
    covered = set()
    for condition in conditions:
        if isinstance(condition, dict):
            [(name, wanted)] = condition.items()
            operator, name = "eq", name
        elif condition[0] == "content-length-range":
            low, high = int(condition[1]), int(condition[2])
            if size < low:
                return ("400 Bad Request", "EntityTooSmall",
                        "Your proposed upload is smaller than the minimum allowed size")
            if size > high:
                return ("400 Bad Request", "EntityTooLarge",
                        "Your proposed upload exceeds the maximum allowed size")
            continue
        else:
            operator, name, wanted = condition[0].lower(), condition[1].lstrip("$"), condition[2]
        # Field names match without regard to case, as in S3.
        actual = next((v for k, v in values.items() if k.lower() == name.lower()), None)
        covered.add(name.lower())
        if operator == "eq" and actual != wanted:
            return ("403 Forbidden", "AccessDenied",
                    f"Invalid according to Policy: Policy Condition failed: [\"eq\", \"${name}\", \"{wanted}\"]")
        if operator == "starts-with" and not (actual or "").startswith(wanted):
            return ("403 Forbidden", "AccessDenied",
                    f"Invalid according to Policy: Policy Condition failed: [\"starts-with\", \"${name}\", \"{wanted}\"]")
    for name in form:
        lowered = name.lower()
        if lowered in UNCONDITIONED or lowered.startswith("x-ignore-"):
            continue
        if lowered not in covered:
            return ("403 Forbidden", "AccessDenied",
                    f"Invalid according to Policy: Extra input fields: {name}")
    return None


def post_object_bucket(dispatcher, environ):
    """The bucket a request uploads to as a browser form (S3's POST Object),
    or None: a POST that moto would give to S3, aimed at a bucket itself
    (`/<bucket>` path-style, or `/` with the bucket in the host name), and
    not a bucket operation of its own (`?delete`). The content type does not
    decide: S3 treats every such POST as an upload and refuses what is not
    a form."""
    if environ["REQUEST_METHOD"] != "POST" or "delete" in environ.get("QUERY_STRING", ""):
        return None
    if getattr(dispatcher.get_application(environ), "service", None) != "s3":
        return None
    request = Request(environ, shallow=True)
    path = environ.get("PATH_INFO", "/").strip("/")
    if S3Response.subdomain_based_buckets(request):
        bucket = bucket_name_from_url(request.url)
        return bucket if bucket and not path else None
    return unquote(path) if path and "/" not in path else None


def checking_uploads(dispatcher):
    """`dispatcher` behind S3's checks of browser uploads (POST policies)."""

    def check(environ, start_response):
        bucket = post_object_bucket(dispatcher, environ)
        if bucket is None:
            return dispatcher(environ, start_response)
        mimetype = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if mimetype != "multipart/form-data":
            return s3_error(start_response, "412 Precondition Failed", "PreconditionFailed",
                            "At least one of the pre-conditions you specified did not hold. "
                            "Bucket POST must be of the enclosure-type multipart/form-data")
        length = environ.get("CONTENT_LENGTH")
        stream = environ["wsgi.input"]
        body = stream.read(int(length)) if length else stream.read()
        parsed = Request(dict(environ, **{"wsgi.input": io.BytesIO(body)}))
        form = {k: v for k, v in parsed.form.items()}
        upload = parsed.files.get("file")
        size = len(upload.read()) if upload else 0
        refusal = policy_refusal(bucket, form, size)
        if refusal:
            return s3_error(start_response, *refusal)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return dispatcher(environ, start_response)

    return check


class _TablesUncopied:
    """`copy` as moto's DynamoDB backend sees it: tables are not copied (the
    transaction is undone item by item instead), anything else is."""

    def __getattr__(self, name):
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value, memo=None):
        if isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


def undo_by_item():
    """Replaces moto's whole-table snapshot of a transaction with one of the
    items it names (see the module's documentation)."""
    original = dynamodb_models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        saved = []
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            key = op.get("Key") or {
                name: op.get("Item", {}).get(name)
                for name in (table.hash_key_attr, table.range_key_attr)
                if name
            }
            if any(value is None for value in key.values()):
                continue
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = (
                DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            )
            before = table.get_item(hash_value, range_value)
            saved.append((table, hash_value, range_value, copy.deepcopy(before)))
        streams = {
            id(table): (table, len(table.stream_shard.items))
            for table, _, _, _ in saved
            if table.stream_shard is not None
        }
        try:
            return original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, before in reversed(saved):
                if range_value is None:
                    if before is None:
                        table.items.pop(hash_value, None)
                    else:
                        table.items[hash_value] = before
                elif before is None:
                    table.items[hash_value].pop(range_value, None)
                else:
                    table.items[hash_value][range_value] = before
            for table, length in streams.values():
                del table.stream_shard.items[length:]
            raise

    dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items
    dynamodb_models.copy = _TablesUncopied()


def user_existence_hidden():
    """ConfirmForgotPassword for an unknown address of a known client answers
    as Cognito does with PreventUserExistenceErrors (see the module's
    documentation)."""
    original = CognitoIdpBackend.confirm_forgot_password

    def confirm_forgot_password(self, client_id, username, password, confirmation_code):
        for pool in self.user_pools.values():
            client = pool.clients.get(client_id)
            if client is None:
                continue
            hides = client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"
            if hides and not pool._get_user(username):
                raise CodeMismatchException("Invalid verification code provided, please try again.")
        return original(self, client_id, username, password, confirmation_code)

    CognitoIdpBackend.confirm_forgot_password = confirm_forgot_password


def required_attributes_checked():
    """AdminCreateUser and SignUp refuse an account that lacks an attribute
    the pool's schema requires (see the module's documentation)."""
    original_create = CognitoIdpBackend.admin_create_user
    original_sign_up = CognitoIdpBackend.sign_up

    def refuse_missing(pool, attributes):
        given = {a.get("Name") for a in attributes or [] if a.get("Value")}
        # The username stands for the attribute it is (the template's pool
        # signs in by e-mail); `sub` is Cognito's to give.
        given.update(pool.extended_config.get("UsernameAttributes") or [])
        given.add("sub")
        missing = sorted(
            name
            for name, attribute in pool.schema_attributes.items()
            if attribute.required and name not in given
        )
        if missing:
            raise InvalidParameterException(
                "Attributes did not conform to the schema: "
                + "\n".join(f"{name}: The attribute {name} is required" for name in missing)
            )

    def admin_create_user(self, user_pool_id, username, message_action, temporary_password, attributes):
        if message_action != "RESEND":
            refuse_missing(self.describe_user_pool(user_pool_id), attributes)
        return original_create(
            self, user_pool_id, username, message_action, temporary_password, attributes
        )

    def sign_up(self, client_id, username, password, attributes):
        for pool in self.user_pools.values():
            if client_id in pool.clients:
                refuse_missing(pool, attributes)
        return original_sign_up(self, client_id, username, password, attributes)

    CognitoIdpBackend.admin_create_user = admin_create_user
    CognitoIdpBackend.sign_up = sign_up


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    undo_by_item()
    user_existence_hidden()
    required_attributes_checked()
    os.environ.setdefault("MOTO_PORT", str(port))
    app = checking_uploads(DomainDispatcherApplication(create_backend_app))
    lock = threading.Lock()
    # The benchmark counts the AWS calls of each invocation from this log.
    trace_path = os.environ.get("CABINET_MOTO_TRACE")
    trace = open(trace_path, "a", encoding="utf-8") if trace_path else None

    def one_at_a_time(environ, start_response):
        with lock:
            if trace is not None:
                copy = "copy" if "HTTP_X_AMZ_COPY_SOURCE" in environ else ""
                trace.write(
                    "\t".join(
                        [
                            environ.get("REQUEST_METHOD", ""),
                            environ.get("PATH_INFO", ""),
                            environ.get("HTTP_X_AMZ_TARGET", ""),
                            copy,
                        ]
                    )
                    + "\n"
                )
                trace.flush()
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
