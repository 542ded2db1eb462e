"""The native OTLP decoders (flowsight.telemetry._otlp_wire for protobuf, _otlp_json for JSON);
everything else is in pyproject.toml.

`optional=True`: without a C compiler the build still succeeds and flowsight
runs its other decoders (tests/flowsight/telemetry/test_otlp_native.py and
test_json_native.py fail in such an environment, so a build regression does not go unnoticed).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "flowsight.telemetry._otlp_wire",
            sources=["src/flowsight/telemetry/_otlp_wire.c"],
            optional=True,
        ),
        Extension(
            "flowsight.telemetry._otlp_json",
            sources=["src/flowsight/telemetry/_otlp_json.c"],
            optional=True,
        ),
    ]
)
