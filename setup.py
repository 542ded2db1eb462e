"""The native OTLP decoder (flowsight.telemetry._otlp_wire); everything else is in pyproject.toml.

`optional=True`: without a C compiler the build still succeeds and flowsight
runs its pure-Python decoder (tests/flowsight/telemetry/test_otlp_native.py
fails in such an environment, so a build regression does not go unnoticed).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "flowsight.telemetry._otlp_wire",
            sources=["src/flowsight/telemetry/_otlp_wire.c"],
            optional=True,
        )
    ]
)
