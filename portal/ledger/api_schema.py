"""The OpenAPI description of the scheme's endpoints (portal.ledger.api), registered with describe()."""

from __future__ import annotations

from portal.api.openapi import (
    IDEMPOTENCY_KEY,
    PAGING,
    SECURITY,
    describe,
    error_response,
    json_body,
    page_of,
    ref,
    write_errors,
)
from portal.ledger.accounts import DEPOSIT_STATES, KINDS

DEPOSIT = {
    "type": "object",
    "required": ["code", "amount_fen", "paid_fen", "status", "billed_on", "transaction_id"],
    "properties": {
        "code": {"type": "string"},
        "amount_fen": {"type": "integer", "description": "The deposit in fen (CNY)."},
        "paid_fen": {"type": "integer"},
        "status": {"type": "string", "enum": DEPOSIT_STATES.codes},
        "billed_on": {"type": "string", "format": "date"},
        "transaction_id": {"type": "integer"},
    },
}
STATEMENT_LINE = {
    "type": "object",
    "required": ["transaction_id", "posted_on", "type", "account", "side", "amount_fen", "change_fen"],
    "properties": {
        "transaction_id": {"type": "integer"},
        "posted_on": {"type": "string", "format": "date"},
        "type": {"type": "string", "enum": KINDS.codes},
        "account": {"type": "string", "examples": ["deposits_held:12"]},
        "side": {"type": "string", "enum": ["D", "C"]},
        "amount_fen": {"type": "integer", "minimum": 1},
        "change_fen": {"type": "integer", "description": "How the line moves the account's balance."},
        "code": {"type": ["string", "null"], "description": "The pack, for deposits, refunds, forfeitures."},
        "reference": {"type": ["string", "null"]},
        "memo": {"type": ["string", "null"]},
        "reverses_id": {"type": ["integer", "null"]},
    },
}
ENTERPRISE_PARAM = {
    "name": "enterprise_id",
    "in": "query",
    "required": False,
    "description": "Staff only: whose accounts. Members and tokens always read their own.",
    "schema": {"type": "integer", "minimum": 1, "maximum": 2_147_483_647},
}
READ_ERRORS = {
    "401": error_response("No credentials."),
    "403": error_response("The token lacks ledger:read."),
    "422": error_response("A filter is invalid (fields say which)."),
}

describe(
    {
        "/deposits": {
            "post": {
                "operationId": "billDeposits",
                "summary": "Bill the deposit on registered packs (one, or a batch of up to 10,000; all or none).",
                "description": (
                    "The payer is the token's enterprise, which must have made or held each pack. The rule "
                    "version in force today decides the amount. A pack is billed once; a retry with the same "
                    "Idempotency-Key gets the first answer."
                ),
                "security": SECURITY,
                "parameters": [IDEMPOTENCY_KEY],
                "requestBody": json_body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "code": {"type": "string"},
                            "codes": {"type": "array", "maxItems": 10000, "items": {"type": "string"}},
                        },
                    }
                ),
                "responses": {
                    "201": {
                        "description": "Billed.",
                        **json_body(
                            {
                                "type": "object",
                                "required": ["items", "total_fen"],
                                "properties": {
                                    "items": {"type": "array", "items": ref("Deposit")},
                                    "total_fen": {"type": "integer"},
                                },
                            }
                        ),
                    },
                    **write_errors(),
                },
            }
        },
        "/ledger/balances": {
            "get": {
                "operationId": "getLedgerBalances",
                "summary": "Balances of the caller's accounts (fen) and its deposits by state.",
                "security": SECURITY,
                "parameters": [ENTERPRISE_PARAM],
                "responses": {
                    "200": {
                        "description": "Balances.",
                        **json_body(
                            {
                                "type": "object",
                                "required": ["enterprise_id", "balances_fen", "deposits"],
                                "properties": {
                                    "enterprise_id": {"type": "integer"},
                                    "balances_fen": {"type": "object", "additionalProperties": {"type": "integer"}},
                                    "deposits": {"type": "object"},
                                },
                            }
                        ),
                    },
                    **READ_ERRORS,
                },
            }
        },
        "/ledger/statement": {
            "get": {
                "operationId": "getLedgerStatement",
                "summary": "The caller's statement lines, newest first.",
                "security": SECURITY,
                "parameters": [
                    {"name": "date_from", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "date_to", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "code", "in": "query", "schema": {"type": "string"}, "description": "A pack's code."},
                    {"name": "type", "in": "query", "schema": {"type": "string", "enum": KINDS.codes}},
                    ENTERPRISE_PARAM,
                    *PAGING,
                ],
                "responses": {
                    "200": {"description": "A page of lines.", **json_body(page_of(ref("StatementLine")["$ref"]))},
                    **READ_ERRORS,
                },
            }
        },
    },
    {"Deposit": DEPOSIT, "StatementLine": STATEMENT_LINE},
)
