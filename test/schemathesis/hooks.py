"""Schemathesis hooks for `npm run test:schemathesis` (loaded through `schemathesis.toml`).

The run keeps the token it authenticates with: `DELETE /v1/tokens/{id}` is never sent with that token's own id (the
ids a listing answers are fed back into later calls), so one revocation does not turn the rest of the run into 401s.
Revoking every token, the caller's own included, is run last, on its own (see `run.ts`).

The stateful phase signs up users of its own and signs them in (the document's links), then follows the link from a
new token to its revocation with the run's credentials, which no link can change: a token of another user is not the
caller's, and API.md (Conventions, Auth) makes that a 404. "Created resource not found" (ST302) is dropped for exactly
those tokens.

The contract (API.md) refuses a few schema-valid requests with a 400 for reasons that no JSON Schema can state. Each is
listed below with the words of the contract, and a "schema-valid request rejected" failure (ST202) is dropped only
when the answer is exactly that refusal: a 400 problem whose every entry is one of these, for this very request.
Any other 400 on schema-valid data still fails the run, on every operation.
"""

from __future__ import annotations

import math
import os
from typing import Any

import schemathesis
from schemathesis.openapi.checks import EnsureResourceAvailability, RejectedPositiveData


# `tok_<id>.<secret>`: the id is what `DELETE /v1/tokens/{id}` takes.
RUN_TOKEN_ID = os.environ.get("SCHEMATHESIS_TOKEN", "").split(".")[0]
# The id of a token that never existed: its revocation is a 404.
NO_TOKEN_ID = "tok_00000000000000000000000000"
# Whose token the run holds, as `run.ts` signed in.
RUN_EMAIL = os.environ.get("SCHEMATHESIS_EMAIL", "").lower()
# Tokens the run saw opened for other users than its own, by id.
OTHER_USERS_TOKENS: set[str] = set()


def _operation_id(case: Any) -> str | None:
    return case.operation.definition.raw.get("operationId")


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    """Notes the tokens opened for another user than the run's."""
    if _operation_id(case) != "createToken" or response.status_code != 201:
        return
    email = case.body.get("email") if isinstance(case.body, dict) else None
    if isinstance(email, str) and email.lower() != RUN_EMAIL:
        try:
            OTHER_USERS_TOKENS.add(response.json().get("id"))
        except ValueError:
            pass


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: Any) -> None:
    """Points a revocation of the run's own token at a token that does not exist."""
    parameters = case.path_parameters
    if (
        RUN_TOKEN_ID
        and _operation_id(case) == "revokeToken"
        and parameters
        and parameters.get("id") == RUN_TOKEN_ID
    ):
        parameters["id"] = NO_TOKEN_ID


def _value_at(document: Any, path: str) -> Any:
    """The value at a problem entry's dot-separated path (`destination.reference`, `events.0`), or None."""
    for part in path.split("."):
        if isinstance(document, dict):
            document = document.get(part)
        elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
        else:
            return None
    return document


def _bad_cursor(case: Any, entry: dict) -> bool:
    # API.md, Conventions, Lists: "An unknown filter, sort field or bad cursor is a 400." The document gives the form
    # every cursor has, but only the list that issued one can read it: a generated cursor has the form and no content.
    return entry.get("path") == "cursor" and "cursor" in (case.query or {})


def _integer_written_as_float(case: Any, entry: dict) -> bool:
    # API.md, Conventions, Money: "A JSON number written with a fraction or an exponent (`1.0`, `1e2`) is not an
    # integer here: a 400." JSON Schema reads `1.0` as an integer, and Schemathesis sends one on purpose.
    value = _value_at(case.body, entry.get("path", ""))
    return (
        entry.get("message") == "must be an integer"
        and isinstance(value, float)
        and math.isfinite(value)
        and value.is_integer()
    )


def _private_webhook_address(case: Any, entry: dict) -> bool:
    # API.md, Events and webhooks: "an address in a private, loopback or link-local range is a 400". The document's
    # pattern gives the form of a URL; which addresses are private is a table of ranges no pattern should restate.
    return entry.get("path") == "url" and str(entry.get("message", "")).startswith(
        "must not point at a private, loopback or link-local address"
    )


def _same_currency_pair(case: Any, entry: dict) -> bool:
    # A rate prices one currency in another: `PUT /v1/admin/rates/USD/USD` is a 400 on `quote`. The two path
    # parameters are each a valid currency; no schema relates one parameter to another.
    parameters = case.path_parameters or {}
    base, quote = parameters.get("base"), parameters.get("quote")
    return entry.get("path") == "quote" and base is not None and base == quote


def _period_ending_before_it_starts(case: Any, entry: dict) -> bool:
    # The summary report's period is [from, to), `to` being now when left out: a `from` after it is a 400. Each bound
    # is a valid date-time; no schema relates one parameter to another, or to the clock.
    return entry.get("path") == "from" and entry.get("message") == "must not be after to"


DOCUMENTED_VALIDATION_REFUSALS = (
    _bad_cursor,
    _integer_written_as_float,
    _private_webhook_address,
    _same_currency_pair,
    _period_ending_before_it_starts,
)


def _is_documented_refusal(case: Any, problem: Any) -> bool:
    if not isinstance(problem, dict):
        return False
    if problem.get("code") == "invalid_confirmation":
        # API.md, Users and tokens: "400 `invalid_confirmation` for an unknown, used or expired token". Which tokens
        # exist is the secret the email carries.
        return _operation_id(case) == "confirmEmail"
    entries = problem.get("errors")
    return (
        problem.get("code") == "validation_error"
        and isinstance(entries, list)
        and len(entries) > 0
        and all(
            isinstance(entry, dict) and any(rule(case, entry) for rule in DOCUMENTED_VALIDATION_REFUSALS)
            for entry in entries
        )
    )


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keeps every failure but a schema-valid request refused with one of the contract's own 400s, and the revocation
    of another user's token answered 404."""
    if isinstance(failure, EnsureResourceAvailability):
        token_id = (case.path_parameters or {}).get("id")
        return not (_operation_id(case) == "revokeToken" and token_id in OTHER_USERS_TOKENS)
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 400:
        return True
    try:
        problem = response.json()
    except ValueError:
        return True
    return not _is_documented_refusal(case, problem)
