"""8. Reading a conversation back from the tracker store (Event.resolve_by_type).

For every stored event, Rasa walks the whole tree of Event subclasses (all_subclasses,
with an inspect.isabstract call per class) to find the class of its type name: at turn 300
of one conversation, the largest single cost of a turn (docs/performance.md). Here the type
names are looked up in a table built once (and rebuilt when a name is missing, for a
subclass imported later); the first class of a name wins, as in Rasa's walk, and an
unknown name ends in Rasa's own handling ("topic", the default, or its error).
"""

from __future__ import annotations

WHY = "every deserialisation of an event (Event.from_parameters) calls this static method; nothing configures it"
PINS = {
    "rasa.shared.core.events:Event.resolve_by_type": "b5cf570fa7f286c7",
    "rasa.shared.utils.common:all_subclasses": "28c2e6df9c15daea",  # the walk done once
}


def apply() -> None:
    import rasa.shared.utils.common as common
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    classes: dict = {}

    def build() -> None:
        classes.clear()
        for cls in common.all_subclasses(Event):
            classes.setdefault(cls.type_name, cls)  # the first of a name wins, as in Rasa's walk

    def resolve_by_type(type_name, default=None):
        found = classes.get(type_name)
        if found is None:
            build()  # first call, or a subclass imported since
            found = classes.get(type_name)
        return found if found is not None else original(type_name, default)

    resolve_by_type.__wrapped__ = original
    Event.resolve_by_type = staticmethod(resolve_by_type)
