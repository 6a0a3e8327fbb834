from __future__ import annotations

from typing import Any

import simplejson
from fastapi.responses import JSONResponse


def dumps(content: Any) -> str:
    # Decimals are written as JSON numbers with their exact digits, never through a float.
    return simplejson.dumps(content, use_decimal=True, ensure_ascii=False, separators=(",", ":"))


class DecimalJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")
