"""The API's OpenAPI schema as committed in ``docs/openapi.json``; ``python -m recouvre.api.openapi`` prints it
(``python -m recouvre.api.openapi > docs/openapi.json`` after changing the API)."""

from __future__ import annotations

import json
import sys


def schema_text() -> str:
    from .api import api

    return json.dumps(api.get_openapi_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> int:
    from recouvre.cli import setup_django

    setup_django()
    sys.stdout.write(schema_text())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
