"""GET /openapi.json: a structurally valid OpenAPI 3.0 document (Debian has
no OpenAPI validator package, so the rules are checked here: required
fields, operations with responses, path templates with their parameters,
references that resolve, unique operation ids), and every operation it
lists is served. The converse, every served route documented, is the unit
test ApiOpenApi.TheDocumentListsExactlyTheServedRoutes."""

import re

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def resolve(document, ref):
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"unresolved $ref {ref}"
        node = node[part]
    return node


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def check_document(document):
    problems = []
    if not re.fullmatch(r"3\.0\.\d+", str(document.get("openapi"))):
        problems.append("openapi must be 3.0.x")
    info = document.get("info")
    if not isinstance(info, dict) or not info.get("title") or not info.get("version"):
        problems.append("info needs title and version")
    paths = document.get("paths")
    if not isinstance(paths, dict):
        return problems + ["paths must be an object"]
    for ref in refs(document):
        try:
            resolve(document, ref)
        except AssertionError as e:
            problems.append(str(e))
    operation_ids = set()
    for path, item in paths.items():
        if not path.startswith("/"):
            problems.append(f"{path}: must start with /")
        templated = set(re.findall(r"\{([^}]+)\}", path))
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters":
                continue
            if method not in METHODS:
                problems.append(f"{path}: unknown key {method}")
                continue
            where = f"{method.upper()} {path}"
            if not isinstance(operation.get("responses"), dict) or not operation["responses"]:
                problems.append(f"{where}: no responses")
            for status, response in operation.get("responses", {}).items():
                if not re.fullmatch(r"[1-5]\d\d|[1-5]XX|default", str(status)):
                    problems.append(f"{where}: bad status {status}")
                if "$ref" not in response and "description" not in response:
                    problems.append(f"{where} {status}: response needs a description")
            op_id = operation.get("operationId")
            if op_id is not None:
                if op_id in operation_ids:
                    problems.append(f"{where}: operationId {op_id} used twice")
                operation_ids.add(op_id)
            declared = set()
            for parameter in shared + operation.get("parameters", []):
                if "$ref" in parameter:
                    parameter = resolve(document, parameter["$ref"])
                if parameter.get("in") not in ("path", "query", "header", "cookie"):
                    problems.append(f"{where}: parameter {parameter.get('name')} has no valid in")
                if parameter.get("in") == "path":
                    declared.add(parameter.get("name"))
                    if parameter.get("required") is not True:
                        problems.append(f"{where}: path parameter {parameter.get('name')} "
                                        "must be required")
            if declared != templated:
                problems.append(f"{where}: path parameters {sorted(declared)} "
                                f"but the template has {sorted(templated)}")
            body = operation.get("requestBody")
            if body is not None and "$ref" not in body and "content" not in body:
                problems.append(f"{where}: requestBody needs content")
    return problems


def test_the_document_is_valid_openapi_3(api):
    reply = api.get("/openapi.json")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("application/json")
    problems = check_document(reply.json)
    assert not problems, "\n".join(problems)


def test_every_documented_operation_is_served(api):
    document = api.get("/openapi.json").json
    for path, item in document["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "000000000000000000000001", path)
        for method in item:
            if method not in METHODS:
                continue
            body = {} if method in ("post", "put") else None
            reply = api.request(method.upper(), concrete, body=body)
            if reply.headers.get("content-type", "").startswith("application/json") and \
                    reply.body:
                code = reply.json.get("code") if isinstance(reply.json, dict) else None
                assert code not in ("ResourceNotFound", "MethodNotAllowed"), \
                    f"{method.upper()} {path} is documented but not served"
