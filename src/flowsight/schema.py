"""The JSON Schema of the workload file, for editors (yaml-language-server) and CI."""

from __future__ import annotations

from typing import Any

from flowsight.model import Workload

SCHEMA_ID = "https://flowsight.dev/schema/workload.json"


def workload_schema() -> dict[str, Any]:
    schema = Workload.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "flowsight workload"
    return schema
