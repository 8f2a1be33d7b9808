"""App rule checks: plain Python callables that judge an answer.

A check takes the request and the response and returns ``True``/``None`` (passes),
``False`` (fails) or a string (fails, and says why). One that raises cannot give a
verdict: that is a ``VerifierError`` naming it, and the answer is withheld.

Example:
    >>> from fmos_core.contract import Request, Response, Message
    >>> def is_number(request, response):
    ...     return response.text.strip().isdigit() or "the answer is not a number"
    >>> request = Request(messages=[{"role": "user", "content": "2+2?"}])
    >>> answer = Response(message=Message(role="assistant", content="four"), vfm="v", pfm="p",
    ...                   trace_id="t")
    >>> run_checks([is_number], request, answer)
    ['is_number: the answer is not a number']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fmos_core.contract import Request, Response
from fmos_core.errors import VerifierError

RuleCheck = Callable[[Request, Response], bool | str | None]


def check_name(check: RuleCheck) -> str:
    return getattr(check, "__name__", None) or type(check).__name__


def run_checks(checks: Sequence[RuleCheck], request: Request, response: Response) -> list[str]:
    """The failures of ``checks`` on ``response``, each as ``"name: reason"``."""
    failures = []
    for check in checks:
        name = check_name(check)
        try:
            verdict = check(request, response)
        except Exception as exc:
            raise VerifierError(
                f"rule check {name!r} raised {type(exc).__name__}: {exc}; the answer is "
                "withheld — fix the check so it returns True, False or a reason",
                check=name,
            ) from exc
        if verdict is None or verdict is True:
            continue
        if verdict is False:
            failures.append(f"{name}: failed")
        elif isinstance(verdict, str):
            failures.append(f"{name}: {verdict}")
        else:
            raise VerifierError(
                f"rule check {name!r} returned {type(verdict).__name__}; return True, "
                "False, None or a string saying why the answer fails",
                check=name,
            )
    return failures
