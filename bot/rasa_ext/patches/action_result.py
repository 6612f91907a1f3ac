"""6. Checking the action server's reply (RemoteAction._validate_action_result) with a
validator built once.

Rasa calls jsonschema.validate on every reply, which first checks the events schema itself
against JSON Schema's meta-schema: about 20 ms a call on these machines, most of an action
turn. The schema is a constant, so it is checked once at start; every reply is still
validated against it, with the same error (jsonschema's best match, Rasa's hint appended)
for a reply that does not fit. Each event must match exactly one of 23 event schemas
(`oneOf`), so jsonschema tries all 23 on every event: 1.9 ms a reply. Every one of them
fixes `event` to a different constant, so only the one of the event's own type can match:
a reply passes at once when it fits the schema without `oneOf` and each event fits its own
type's schema (`event_checks`); anything else goes through the whole schema, for its
error. If Rasa's schema stops having that shape, the whole schema checks every reply.
"""

from __future__ import annotations

WHY = "RemoteAction.run validates every reply itself; no hook or setting replaces the check"
PINS = {
    "rasa.core.actions.action:RemoteAction._validate_action_result": "f8cdb4be68123961",
    # the schema checked once at start (a constant today)
    "rasa.core.actions.action:RemoteAction.action_response_format_spec": "091b74aa3738d126",
    "rasa.shared.utils.schemas.events": "b7898d66fc1a53bf",  # its oneOf's shape
}


def event_checks(schema: dict, checker):
    """For Rasa's action reply schema: a validator of the reply without the events'
    `oneOf`, and one validator per event type; None if the schema is not of that shape
    (each `oneOf` branch fixing `event` to its own constant)."""
    events = schema.get("properties", {}).get("events", {})
    item = events.get("items", {})
    branches = item.get("oneOf")
    if events.get("type") != "array" or not isinstance(branches, list) or "event" not in item.get("required", ()):
        return None
    types = [branch.get("properties", {}).get("event", {}).get("const") for branch in branches]
    if any(not isinstance(name, str) for name in types) or len(set(types)) != len(types):
        return None
    outer = {**item}
    del outer["oneOf"]
    whole = {**schema, "properties": {**schema["properties"], "events": {**events, "items": outer}}}
    return checker(whole), {name: checker(branch) for name, branch in zip(types, branches, strict=False)}


def apply() -> None:
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    original = RemoteAction._validate_action_result
    schema = RemoteAction.action_response_format_spec()
    checker = validator_for(schema)
    checker.check_schema(schema)  # what jsonschema.validate did on every call
    validator = checker(schema)
    checks = event_checks(schema, checker)

    def fits(result) -> bool:
        if checks is None or not checks[0].is_valid(result):
            return False
        by_type = checks[1]
        return all(
            event["event"] in by_type and by_type[event["event"]].is_valid(event) for event in result.get("events", ())
        )

    def _validate_action_result(self, result):
        if fits(result):
            return True
        error = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    _validate_action_result.__wrapped__ = original
    _validate_action_result.fits = fits
    RemoteAction._validate_action_result = _validate_action_result
